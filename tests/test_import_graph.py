"""The import graph of engine/ and service/: no cycle in either (imports inside functions count), and the
engine imports nothing of the web framework, the database or the service.

A cycle dodged with an import inside a function still ties the two modules together: neither can be read,
tested or moved without the other. The walk reads the source with ast, so every import counts: at the top,
inside functions, under `if TYPE_CHECKING:`. An import of one's own parent package is not an edge (Python
initialises a package before any of its modules). Alembic's migration scripts are loaded by path, not imported,
and are left out.
"""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_ENGINE = {"fastapi", "starlette", "sqlalchemy", "alembic", "psycopg", "psycopg2", "uvicorn", "jinja2",
                       "service"}


def modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of `package` (a directory under `root`) by dotted name; a package by its own name."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or "migrations" in rel.parts:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path) -> set[str]:
    """Every dotted name `path` (module `name`) imports anywhere, relative imports resolved; for
    `from X import y`, both X and X.y (y may be a module or a name in X)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[:len(package) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            out.add(base)
            out |= {f"{base}.{alias.name}" for alias in node.names}
    return out


def graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the modules of `mods` it imports (not itself, not its own ancestor packages)."""
    edges: dict[str, set[str]] = {}
    for name, path in mods.items():
        targets = set()
        for imported in imports(name, path):
            # `from engine.x import y`: engine.x.y if that is a module, else engine.x
            while imported and imported not in mods:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + "."):
                targets.add(imported)
        edges[name] = targets
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def describe(found: list[list[str]], edges: dict[str, set[str]]) -> str:
    return "\n".join(" <-> ".join(c) + ": " + "; ".join(f"{m} imports {', '.join(sorted(edges[m] & set(c)))}"
                                                       for m in c) for c in found)


def test_the_walk_finds_a_cycle_through_an_import_inside_a_function(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import run\n")
    (pkg / "a.py").write_text("from .sub import b\n\ndef run():\n    return b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("def late():\n    from ..a import run\n    return run\n")
    (pkg / "c.py").write_text("import pkg.a\nfrom pkg import sub\n")
    edges = graph(modules(tmp_path, "pkg"))
    assert edges == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.sub", "pkg.sub.b"}, "pkg.sub": set(), "pkg.sub.b": {"pkg.a"},
                     "pkg.c": {"pkg.a", "pkg.sub"}}
    assert cycles(edges) == [["pkg.a", "pkg.sub.b"]]


def test_no_import_cycle_in_the_engine():
    edges = graph(modules(REPO, "engine"))
    assert len(edges) > 20
    assert not cycles(edges), describe(cycles(edges), edges)


def test_no_import_cycle_in_the_service():
    edges = graph(modules(REPO, "service"))
    assert len(edges) > 20
    assert not cycles(edges), describe(cycles(edges), edges)


def test_the_engine_imports_nothing_of_the_web_the_database_or_the_service():
    bad = []
    for name, path in modules(REPO, "engine").items():
        for imported in imports(name, path):
            if imported.split(".")[0] in FORBIDDEN_IN_ENGINE:
                bad.append(f"{path.relative_to(REPO)}: {imported}")
    assert not bad, "\n".join(sorted(set(bad)))
