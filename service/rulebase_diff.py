"""The difference between two stored rule base versions, file by file (for the API and the author pages)."""
from __future__ import annotations

import difflib
from typing import Any


def diff_rulebases(a_files: dict[str, str], b_files: dict[str, str], a: str, b: str) -> list[dict[str, Any]]:
    """One entry per file in either version, sorted by path: status added/removed/changed/same and the
    unified diff from `a` to `b` (labelled a/<path>@<a>, b/<path>@<b>)."""
    out = []
    for path in sorted(set(a_files) | set(b_files)):
        old, new = a_files.get(path), b_files.get(path)
        if old == new:
            out.append({"path": path, "status": "same", "diff": ""})
            continue
        status = "added" if old is None else "removed" if new is None else "changed"
        lines = difflib.unified_diff((old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
                                     fromfile=f"a/{path}@{a}", tofile=f"b/{path}@{b}")
        out.append({"path": path, "status": status,
                    "diff": "".join(line if line.endswith("\n") else line + "\n" for line in lines)})
    return out
