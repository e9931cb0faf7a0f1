"""The framework's own ceiling: a bare FastAPI endpoint that parses and echoes the body.

Served by uvicorn with the same settings as `cogov serve` (one process,
loopback, access log at info), at the same path as the recommendation API.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI

app = FastAPI()


@app.post("/api/v1/recommendations", status_code=201)
async def echo(body: dict[str, Any]) -> dict[str, Any]:
    return body
