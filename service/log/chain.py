"""What a decision record's hash covers, and what can be re-derived from it.

Kept apart from the store so the rules of the chain are in one short file:
the hash covers every field an auditor relies on (id, time, caller, the
context exactly as received, the recommendation, the rule base version and
the digest of its files, the engine version) plus the previous record's hash.
Changing this file changes every hash: bump FORMAT and keep the old rules for
old records (each record stores the format it was hashed with).

Format 2 (personal fields, see privacy.py): the hash covers the committed
form of the context and recommendation, in which each personal value is a
salted commitment, plus the list of committed pointers; a record with no
personal field is hashed over the context exactly as received, as before.
Format 1 records (made before) keep verifying under format 1.

Format 3 (compact records, service/log/packing.py): the recommendation text the hash covers is the compact
one (engine/explanation.py), in the engine's key order; the hash is computed as for format 2. Records of
formats 1 and 2 keep their full recommendation and verify as before.

Rule base activations (who switched the served rule base to which version,
when, and why) have a chain of their own: activation_hash below; so do the
evaluations of what happened after a decision: evaluation_hash.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import orjson

FORMAT = 3
FORMATS = (1, 2, 3)


def canonical_json(data: Any, *, floatless: bool = False) -> str:
    """One text for one value: sorted keys, no whitespace, UTF-8 kept.

    floatless=True: the caller vouches that `data` holds no float (the engine's
    recommendations hold only strings, integers, booleans and nulls); orjson
    then writes it, byte for byte the text json.dumps writes (tests/service/
    test_svc_json_texts.py) in a tenth of the time. orjson writes floats
    differently, hence the flag; what it refuses (a lone surrogate, an integer
    over 64 bits) goes through json.dumps.
    """
    if floatless:
        text = _orjson_text(data, orjson.OPT_SORT_KEYS)
        if text is not None:
            return text
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def compact_json(data: Any, *, floatless: bool = False) -> str:
    """As canonical_json with the keys in their own order: the text starlette's JSONResponse renders."""
    if floatless:
        text = _orjson_text(data, 0)
        if text is not None:
            return text
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))


def _orjson_text(data: Any, option: int) -> str | None:
    try:
        return orjson.dumps(data, option=option).decode("utf-8")
    except TypeError:          # orjson.JSONEncodeError is one
        return None


def utc_naive(moment: datetime) -> datetime:
    """Timestamps are stored naive in UTC, so SQLite and PostgreSQL return the same value."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def timestamp(moment: datetime) -> str:
    """The ISO 8601 form (UTC, microseconds, 'Z') used in hashes and in the API."""
    return utc_naive(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rulebase_digest(files: dict[str, str]) -> str:
    """sha256 over a rule base's files: a decision's hash covers it, so the stored rules cannot drift."""
    return hashlib.sha256(canonical_json(files).encode("utf-8")).hexdigest()


def record_hash(*, seq: int, id: str, created_at: datetime, caller_name: str, caller_role: str,
                context_raw: str, recommendation: str, rulebase_version: str, rulebase_digest: str,
                engine_version: str, prev_hash: str, format: int = FORMAT,
                personal: list[str] | None = None, language: str | None = None,
                translations: str | None = None) -> str:
    """The record's hash. For format 2, give the committed texts and the committed pointers. A record that
    says the language of its answer (migration 0008) is hashed with it and the translations' version; one
    made before says none and keeps its hash."""
    if format not in FORMATS:
        raise ValueError(f"unknown record format {format}")
    content = {
        "format": format, "seq": seq, "id": id, "created_at": timestamp(created_at),
        "caller": {"name": caller_name, "role": caller_role},
        "context_raw": context_raw, "recommendation": recommendation,
        "rulebase": {"version": rulebase_version, "digest": rulebase_digest},
        "engine_version": engine_version, "prev_hash": prev_hash,
    }
    if format >= 2:
        content["personal"] = sorted(personal or [])
    if language is not None:
        content["wording"] = {"language": language, "translations": translations}
    # strings, integers, nulls and lists of strings only: floatless
    return hashlib.sha256(canonical_json(content, floatless=True).encode("utf-8")).hexdigest()


def activation_hash(*, seq: int, version: str, activated_at: datetime, activated_by: str, action: str,
                    note: str | None, prev_hash: str) -> str:
    """An activation record's hash: its own chain, beside the decisions' one (see store.record_activation
    for why two chains), over every field an auditor reads in the history, the previous activation's hash
    and `seq`, its position. The row's autoincrement `id` is not covered: the chain's order is `seq`'s."""
    content = {"kind": "activation", "format": 1, "seq": seq, "version": version,
               "activated_at": timestamp(activated_at), "activated_by": activated_by, "action": action,
               "note": note, "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def evaluation_hash(*, seq: int, id: str, decision_id: str, decision_hash: str, created_at: datetime,
                    caller_name: str, caller_role: str, stage: str, body: str, personal: list[str] | None,
                    prev_hash: str) -> str:
    """An evaluation's hash (what happened after a decision; service/log/evaluations.py): a chain of its own,
    as activations have, over who recorded it and when, the committed text of its body (personal values as
    their commitments, privacy.py), the committed pointers, the decision it evaluates and that decision's
    hash (an evaluation cannot be moved to another decision, nor its decision rewritten, unseen), `seq` and
    the previous evaluation's hash."""
    content = {"kind": "evaluation", "format": 1, "seq": seq, "id": id,
               "decision": {"id": decision_id, "hash": decision_hash}, "created_at": timestamp(created_at),
               "caller": {"name": caller_name, "role": caller_role}, "stage": stage, "body": body,
               "personal": sorted(personal or []), "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _text(value: Any) -> str | None:
    return value.strip()[:200] if isinstance(value, str) else None


def derive_index(context: dict[str, Any], recommendation: dict[str, Any]) -> dict[str, Any]:
    """The searchable columns of a record, computed from its hashed content."""
    return context_index(context, recommendation_index(recommendation))


def recommendation_index(recommendation: dict[str, Any]) -> dict[str, Any]:
    """The recommendation's part of derive_index (an engine worker computes it beside the text)."""
    approach = recommendation.get("approach") or {}
    firings = (recommendation.get("explanation") or {}).get("firings") or []
    return {"approach": approach.get("code"), "rules": dict(sorted(Counter(f["rule"] for f in firings).items()))}


def context_index(context: dict[str, Any], recommendation_part: dict[str, Any]) -> dict[str, Any]:
    """derive_index from the context and the recommendation's part of it."""
    project = context.get("project") if isinstance(context.get("project"), dict) else {}
    return {
        "approach": recommendation_part["approach"],
        "city": _text(project.get("city")),
        "project_name": _text(project.get("name")),
        "rules": recommendation_part["rules"],
    }
