"""How a decision record's texts are stored: plain (formats 1 and 2) or compact and compressed (format 3).

Format 3 keeps the compact recommendation (engine/explanation.py) instead of the full one, whose firings
repeat the rule base (titles, files, lines, sources, conclusions); the full one is rendered from the stored
rule base version when the record is read (DecisionStore.expand). The context as received and the compact
recommendation's text are zlib-compressed together into `decisions.packed` (migration 0007), `context_raw`
and `recommendation` left empty. Compression is a storage encoding only: the hash covers the two texts
(chain.record_hash), so verifying decompresses first, and a record recompressed alike verifies alike.

The compact text is written in the engine's key order (chain.compact_json), not sorted, so that the full
recommendation rendered from it is the engine's, byte for byte (the order of a firing's matched facts is
the engine's and cannot be re-derived).

`stored_bytes(row)` says how many bytes a record's texts take in the log: the benchmarks measure it.
"""
from __future__ import annotations

import struct
import zlib
from typing import Any

COMPACT_FORMAT = 3           # chain.FORMATS: the first format whose recommendation is compact
LEVEL = 6                    # zlib level: 9 saves ~1% more for twice the time (measured on the pilots)
_LENGTH = struct.Struct(">I")


def pack(context_raw: str, recommendation: str) -> bytes:
    """The two texts as one compressed value: the context's UTF-8 length (4 bytes), then both texts."""
    context = context_raw.encode("utf-8")
    return zlib.compress(_LENGTH.pack(len(context)) + context + recommendation.encode("utf-8"), LEVEL)


def unpack(packed: bytes) -> tuple[str, str]:
    """(context_raw, recommendation text) of a packed value; ValueError when it is not one."""
    try:
        raw = zlib.decompress(packed)
        (n,) = _LENGTH.unpack_from(raw)
        if n > len(raw) - _LENGTH.size:
            raise ValueError("its context length is past its end")
        return raw[4:4 + n].decode("utf-8"), raw[4 + n:].decode("utf-8")
    except (zlib.error, struct.error, UnicodeDecodeError) as exc:
        raise ValueError(f"the packed texts cannot be read: {exc}") from None


def texts(row: Any) -> tuple[str, str]:
    """(context_raw, recommendation text) of a stored decision row, whatever its format. A packed row's plain
    columns are empty; one that is not (written there since) is what is read, and what verify checks against
    the hash: whatever a reader is shown is what the chain verifies."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    context_raw, recommendation, packed = get("context_raw"), get("recommendation"), get("packed")
    if packed is not None and not (context_raw and recommendation):
        packed_context, packed_recommendation = unpack(bytes(packed))
        return context_raw or packed_context, recommendation or packed_recommendation
    return context_raw, recommendation


def stored_bytes(row: Any) -> int:
    """The bytes a stored decision row's texts take (packed, or the two texts as UTF-8)."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    packed = get("packed")
    if packed is not None:
        return len(packed) + len((get("context_raw") or "").encode()) + len((get("recommendation") or "").encode())
    return len(get("context_raw").encode("utf-8")) + len(get("recommendation").encode("utf-8"))
