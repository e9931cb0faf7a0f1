"""Conditional GETs for answers that never change: a decision, a stored rule base version.

The answer carries a strong `ETag` (sha256 of its bytes) and `Cache-Control:
private, ..., immutable` (private: every such answer needs a token, and a
manager sees only their own decisions); a request whose `If-None-Match`
names that tag gets 304 with no body. The tag is of the bytes, not of the
record's chain hash, so it changes when retention replaces a decision's
personal fields, the one change a decision ever sees.
"""
from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import Header
from pydantic import TypeAdapter
from starlette.responses import Response

DECISION_MAX_AGE = 86_400          # a day: retention may still replace personal fields
RULEBASE_MAX_AGE = 31_536_000      # a year: a stored version's files never change
_JSON = TypeAdapter(Any)           # times written as the response models write them (...Z)

IfNoneMatch = Annotated[str | None, Header(
    description="An `ETag` this caller holds: when it is still the answer's, the answer is "
                                 "304 Not Modified with no body.")]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest() + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 13.1.2: `*` or any listed tag equal to `etag` by the weak comparison (W/ ignored)."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


def immutable_json(content: Any, if_none_match: str | None, max_age: int) -> Response:
    """`content` as JSON with its ETag and caching headers, or 304 when `if_none_match` holds its tag."""
    body = json.dumps(_JSON.dump_python(content, mode="json"), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": f"private, max-age={max_age}, immutable",
               "Vary": "Authorization, Cookie"}
    if matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def cached_answer_doc(what: str) -> dict[int, dict[str, Any]]:
    """The OpenAPI of a cacheable answer: its headers, and the 304."""
    return {200: {"headers": {
                "ETag": {"description": f"A strong tag of this {what}'s bytes: send it back as If-None-Match.",
                         "schema": {"type": "string"}},
                "Cache-Control": {"description": f"`private, max-age=N, immutable`: the {what} does not change.",
                                  "schema": {"type": "string"}}}},
            304: {"description": "Not modified: the `If-None-Match` tag is still this answer's (no body).",
                  "headers": {"ETag": {"description": "The answer's tag.", "schema": {"type": "string"}}}}}
