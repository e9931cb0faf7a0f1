"""Personal fields in the decision log: commit to them, so they can be removed later.

A decision's context may name people and groups. The log must be able to
drop those values (at storage, or after a retention period) without
breaking the hash chain, so the chain never covers a personal value itself:
it covers a *committed form* of the record in which each personal value is
replaced by a salted hash commitment

    "sha256:" + sha256(canonical_json([pointer, salt, value]))

The salt of each committed value is stored beside the record. While value
and salt are both stored, verification recomputes the commitment from them;
once they are removed (redaction at storage, or `cogov audit retention`),
the stored value *is* the commitment and verification uses it as is. Either
way the committed form, and so the record's hash, is the same. Without the
salt nobody can test guesses of a removed value against its commitment.

Personal fields are named by JSON pointers (RFC 6901) into the record
{"context": ..., "recommendation": ...}, with `*` matching every item of a
list or every key of a mapping: `/context/stakeholders/*/name`,
`/recommendation/participants/*/name`. An evaluation of what happened after a
decision is the record {"evaluation": ...} (service/log/evaluations.py), so
the same settings name its personal fields: `/evaluation/notes`.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from service.log.chain import canonical_json

COMMITMENT = re.compile(r"^sha256:[0-9a-f]{64}$")
WILDCARD = "*"
ROOTS = ("context", "recommendation", "evaluation")   # a decision's two parts; an evaluation's body


class PointerError(ValueError):
    """A configured JSON pointer is malformed."""


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """'/context/stakeholders/*/name' -> ('context', 'stakeholders', '*', 'name')."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise PointerError(f"{pointer!r}: a JSON pointer starts with '/'")
    tokens = tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))
    if len(tokens) < 2 or tokens[0] not in ROOTS:
        raise PointerError(f"{pointer!r}: must point inside /context/... or /recommendation/... (a decision's "
                           "parts) or /evaluation/... (an evaluation's)")
    if any(t == "" for t in tokens):
        raise PointerError(f"{pointer!r}: empty reference token")
    return tokens


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _expand(doc: Any, tokens: tuple[str, ...], prefix: str = "") -> list[str]:
    """Every concrete pointer in `doc` that `tokens` (with wildcards) matches, in document order."""
    if not tokens:
        return [prefix]
    head, rest = tokens[0], tokens[1:]
    out: list[str] = []
    if isinstance(doc, dict):
        keys = list(doc) if head == WILDCARD else ([head] if head in doc else [])
        for key in keys:
            out += _expand(doc[key], rest, f"{prefix}/{_escape(key)}")
    elif isinstance(doc, list):
        if head == WILDCARD:
            indexes = range(len(doc))
        elif head.isdigit() and int(head) < len(doc):
            indexes = [int(head)]
        else:
            indexes = []
        for i in indexes:
            out += _expand(doc[i], rest, f"{prefix}/{i}")
    return out


def _locate(doc: Any, pointer: str) -> tuple[Any, str | int]:
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]
    for token in tokens[:-1]:
        doc = doc[int(token)] if isinstance(doc, list) else doc[token]
    last = tokens[-1]
    return doc, (int(last) if isinstance(doc, list) else last)


def get(doc: Any, pointer: str) -> Any:
    parent, key = _locate(doc, pointer)
    return parent[key]


def put(doc: Any, pointer: str, value: Any) -> None:
    parent, key = _locate(doc, pointer)
    parent[key] = value


def commitment(pointer: str, salt: str, value: Any) -> str:
    """The salted hash that stands for a personal value in the committed form."""
    return "sha256:" + hashlib.sha256(canonical_json([pointer, salt, value]).encode("utf-8")).hexdigest()


def committed_form(doc: dict[str, Any], personal: dict[str, str | None]) -> dict[str, Any]:
    """The record with every personal value replaced by its commitment (what the hash covers).

    `personal` maps concrete pointers to their salt, or None where the value
    was removed and the stored value is already its commitment. Raises
    ValueError when a stored value does not fit (the record was altered).
    """
    out = copy.deepcopy(doc)
    for pointer, salt in personal.items():
        try:
            value = get(out, pointer)
        except (KeyError, IndexError, TypeError, ValueError):
            raise ValueError(f"personal field {pointer} is missing") from None
        if salt is None:
            if not isinstance(value, str) or not COMMITMENT.match(value):
                raise ValueError(f"personal field {pointer} was removed but holds no commitment")
        else:
            put(out, pointer, commitment(pointer, salt, value))
    return out


def erase(doc: dict[str, Any], personal: dict[str, str | None]) -> tuple[dict[str, Any], dict[str, None]]:
    """The record with its personal values replaced by their commitments and every salt dropped."""
    return committed_form(doc, personal), {pointer: None for pointer in personal}


@dataclass(frozen=True)
class PrivacyPolicy:
    """Which fields are personal (committed, removable later) and which are never stored.

    Every redacted pointer is personal too.
    """

    personal: tuple[str, ...] = ()
    redact: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for pointer in (*self.personal, *self.redact):
            parse_pointer(pointer)

    @property
    def active(self) -> bool:
        return bool(self.personal or self.redact)

    def prepare(self, doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str | None]]:
        """(the form to store, {concrete pointer: salt or None}) for a new record.

        Personal values are stored with a fresh salt; redacted ones are stored
        as their commitment, with no salt, so the value is never written.
        """
        redacted = {p for pattern in self.redact for p in _expand(doc, parse_pointer(pattern))}
        personal: dict[str, str | None] = {}
        for pattern in (*self.personal, *self.redact):
            for pointer in _expand(doc, parse_pointer(pattern)):
                personal.setdefault(pointer, secrets.token_hex(16))
        # a value inside another personal value is covered by the outer commitment
        outer = {p: s for p, s in personal.items()
                 if not any(p.startswith(q + "/") for q in personal if q != p)}
        stored = copy.deepcopy(doc)
        # A redacted value inside a kept personal value is never stored either: it is replaced by a
        # commitment whose salt is dropped, and the outer value's commitment covers that. Deepest first,
        # so a redacted value inside another redacted one is replaced with it.
        for pointer in sorted(redacted - set(outer), reverse=True):
            if not any(pointer.startswith(q + "/") for q in redacted & set(outer)):
                put(stored, pointer, commitment(pointer, personal[pointer], get(stored, pointer)))
        for pointer in sorted(redacted & set(outer)):
            put(stored, pointer, commitment(pointer, outer[pointer], get(stored, pointer)))
            outer[pointer] = None
        return stored, dict(sorted(outer.items()))


def committed_texts(context_raw: str, recommendation: str,
                    personal: dict[str, str | None] | None) -> tuple[str, str]:
    """The (context, recommendation) texts a record's hash covers, from their stored texts.

    A record without personal fields is hashed over the context exactly as
    received; otherwise over the canonical JSON of the committed form.
    """
    if not personal:
        return context_raw, recommendation
    committed = committed_form({"context": json.loads(context_raw), "recommendation": json.loads(recommendation)},
                               personal)
    return canonical_json(committed["context"]), canonical_json(committed["recommendation"])


def split_pointers(spec: str | None) -> tuple[str, ...]:
    """COGOV_PERSONAL_FIELDS / COGOV_REDACT: pointers separated by commas or whitespace."""
    return tuple(p for p in re.split(r"[,\s]+", spec or "") if p)
