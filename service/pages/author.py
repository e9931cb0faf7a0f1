"""Authors' page: the rule browser."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from . import access, backend
from .render import error_page, render

router = APIRouter()

# catalogue each conclusion kind refers to
KIND_CATALOGUE = {"techniques": "techniques", "avoid_techniques": "techniques", "arrangements": "arrangements",
                  "skills": "skills", "skill_gaps": "skills", "warnings": "warnings"}


def _catalogue_label(rulebase: Any):
    catalogue = getattr(rulebase, "catalogue", None)

    def label(kind: str, code: Any) -> str:
        name = KIND_CATALOGUE.get(kind)
        entries = getattr(catalogue, name, None) if name else None
        entry = entries.get(code) if isinstance(entries, dict) else None
        return f"{entry.label} ({code})" if entry is not None else str(code)
    return label


@router.get("/rules", response_class=HTMLResponse, name="rule_browser")
async def rule_browser(request: Request, by: str = "file", file: str = "", kind: str = "", q: str = "") -> Response:
    try:
        access.require(request, access.AUTHOR_ROLES)
    except access.PageDenied as denied:
        return error_page(request, denied.status_code, "Not allowed", denied.message)
    rulebase = backend.state(request, "rulebase")
    if rulebase is None:
        return error_page(request, 503, "No rule base", "The service has no rule base loaded.")
    rules = [r.as_authored() for r in rulebase.rules]
    files = sorted({r["file"] for r in rules})
    kinds = sorted({k for r in rules for k in r["then"]})
    by = by if by in ("file", "kind") else "file"
    needle = q.strip().lower()

    def keep(r: dict[str, Any]) -> bool:
        if file and r["file"] != file:
            return False
        if kind and kind not in r["then"]:
            return False
        if needle:
            hay = " ".join([r["id"], r["title"], r["rationale"], str(r["when"]), str(r["then"])]).lower()
            return needle in hay
        return True

    shown = [r for r in rules if keep(r)]
    groups: list[dict[str, Any]] = []
    if by == "file":
        for name in files:
            members = [r for r in shown if r["file"] == name]
            if members:
                groups.append({"title": name, "description": None, "rules": members})
    else:
        for k in kinds:
            if kind and k != kind:
                continue
            members = [r for r in shown if k in r["then"]]
            if members:
                groups.append({"title": k.replace("_", " ").capitalize(), "description": _KIND_HELP.get(k),
                               "rules": members})
    seen: set[str] = set()
    for g in groups:
        marked = []
        for r in g["rules"]:
            marked.append({**r, "primary": r["id"] not in seen})
            seen.add(r["id"])
        g["rules"] = marked
    sources = {key: s.citation for key, s in getattr(rulebase.catalogue, "sources", {}).items()}
    return render(request, "rules.html", groups=groups, files=files, kinds=kinds, by=by, file=file, kind=kind,
                  q=q, total=len(rules), shown=len(shown), counts=await backend.fire_counts(request), sources=sources, catalogue_label=_catalogue_label(rulebase))


_KIND_HELP = {
    "derive": "Facts other rules can test with derived.NAME.",
    "eliminate": "Approaches removed from the feasible set (Thomas).",
    "prefer": "How to choose among the feasible approaches.",
    "participant": "A stakeholder group's role and IAP2 level.",
    "exclude": "A stakeholder group explicitly left out, with the reason.",
    "techniques": "Participation techniques recommended.",
    "avoid_techniques": "Techniques ruled out (this beats a recommendation).",
    "arrangements": "Governance arrangements.",
    "skills": "Skills the team needs.",
    "skill_gaps": "Skills the team lacks.",
    "warnings": "Warnings for the manager.",
}
