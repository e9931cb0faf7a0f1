"""`Idempotency-Key` on the POSTs that record something: a retry gets the first answer, and nothing new is
recorded (after the IETF's Idempotency-Key header draft).

A key is the caller's: two callers may use the same key. The first request
with a key is fingerprinted (method, path and body bytes, sha256) and what
it gave is kept in the decision log's database: for a recommendation or an
evaluation, the record, written with the key in one transaction (a
concurrent twin that loses the race is not written and answers as the retry
it is); for an activation, its answer. A later request with the key and the same
fingerprint gets that answer again, marked `Idempotent-Replayed: true`;
with another fingerprint, 422 naming the header. Only a request that
recorded something keeps its key: one that failed may be retried with it.
"""
from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import Header, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from service.http import unprocessable

REPLAYED = "Idempotent-Replayed"

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[!-~](?:[ -~]*[!-~])?$",
    description="A key of the caller's choosing (1 to 255 printable ASCII characters, e.g. a UUID) that makes "
                "a retry safe: the same key with the same body gets the first answer again and records nothing "
                "new; the same key with another body is refused (422).")]

REPLAYED_DOC = {REPLAYED: {"description": "`true` when this is the first answer to an earlier request with the same "
                                          "Idempotency-Key, given again (nothing new was recorded).",
                           "schema": {"type": "string", "enum": ["true"]}}}


async def fingerprint(request: Request) -> str:
    body = await request.body()
    return hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + body).hexdigest()


def reused(key: str) -> Response:
    return unprocessable("this Idempotency-Key was used before with another request", [{
        "field": "header.Idempotency-Key", "type": "idempotency_key_reused",
        "message": f"the key {key[:100]!r} was first used with another body or on another path: a retry must "
                   "send the same body; a new request needs a new key"}])


async def earlier(store: Any, caller: str, key: str, print_: str) -> dict[str, Any] | Response | None:
    """What the first request with `key` gave ({decision_id, status, response}), the 422 when it was another
    request, or None when the key is new."""
    found = await run_in_threadpool(store.idempotent, caller, key)
    if found is None:
        return None
    if found["fingerprint"] != print_:
        return reused(key)
    return found


def stored_answer(found: dict[str, Any]) -> Response:
    """The kept answer of an activation, again."""
    return Response(found["response"].encode("utf-8"), status_code=found["status"], media_type="application/json",
                    headers={REPLAYED: "true"})


async def remember(store: Any, caller: str, key: str, print_: str, status: int, content: Any) -> Response | None:
    """Keep an activation's answer under its key; when a concurrent request with the key was first, its answer
    (or the 422) instead."""
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    if await run_in_threadpool(store.remember_answer, caller, key, print_, status, text):
        return None
    found = await earlier(store, caller, key, print_)
    if found is None or isinstance(found, Response):
        return found
    return stored_answer(found)
