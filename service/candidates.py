"""Rule bases other than the one serving: a candidate (files or a directory) or a stored version.

Replay and impact evaluate stored decisions under these. They are loaded
with the plain loader (safe YAML, no code), validated first: a candidate with
errors is refused as a whole with every error as file:line. Stored versions
are rebuilt from the files the log keeps, and must give back their version.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from engine import LoadError, RuleBase, RuleBaseError, load_rulebase, load_rulebase_files


class CandidateError(ValueError):
    """A rule base that cannot be used; `errors` are LoadErrors (file:line each)."""

    def __init__(self, errors: list[LoadError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    def as_list(self) -> list[dict[str, Any]]:
        return [{**e.as_dict(), "text": str(e)} for e in self.errors]


def from_files(files: dict[str, str]) -> RuleBase:
    """A validated rule base from {relative path: text}; raises CandidateError."""
    if not files:
        raise CandidateError([LoadError("", None, "no rule base files given")])
    try:
        return load_rulebase_files(files)
    except RuleBaseError as exc:
        raise CandidateError(exc.errors) from None


def from_directory(root: str | Path) -> RuleBase:
    """A validated rule base from a directory; raises CandidateError."""
    if not Path(root).is_dir():
        raise CandidateError([LoadError(str(root), None, "no such directory")])
    try:
        return load_rulebase(root)
    except RuleBaseError as exc:
        raise CandidateError(exc.errors) from None


@lru_cache(maxsize=8)
def _stored(version: str, digest: str, files: tuple[tuple[str, str], ...]) -> RuleBase:
    try:
        return load_rulebase_files(dict(files), expect_version=version)
    except RuleBaseError as exc:
        raise CandidateError(exc.errors) from None


def from_store(store: Any, version: str) -> RuleBase:
    """A stored rule base version, rebuilt from the log (cached: versions never change)."""
    stored = store.get_rulebase(version)
    if stored is None:
        raise CandidateError([LoadError("", None, f"the log holds no rule base version {version}")])
    return _stored(stored.version, stored.digest, tuple(sorted(stored.files.items())))


def resolve(store: Any, spec: str | None, current: RuleBase) -> RuleBase:
    """The rule base a user named: None -> `current`; an existing directory; else a stored version."""
    if spec is None or spec == "" or spec == current.version:
        return current
    if Path(spec).is_dir():
        return from_directory(spec)
    return from_store(store, spec)

