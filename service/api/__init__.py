"""The JSON API, versioned under /api/v1, plus /healthz and /readyz.

Who may call what (401 without a valid token, 403 with the wrong role):
  POST /recommendations              manager
  GET  /decisions, /decisions/{id}   manager (own decisions), auditor (all)
  GET  /audit/verify, /rulebases...  auditor (rule base files: author too)
  GET  /rules, /rules/{id}           author, auditor
  POST /rules/check                  author
  POST /decisions/{id}/replay        auditor
  POST /rules/impact                 author, auditor
  GET  /rulebase, /rulebases/{a}/diff/{b}   author, auditor
  POST /rulebase, /rulebase/rollback author (activate a rule base; see service/serving.py)
  GET  /decisions/{id}/why-not, /what-if   manager (own decisions), auditor (all)
  POST /recommendations/what-if      manager (not logged)
  POST /decisions/{id}/outcomes      manager (own decisions), evaluator (record what happened)
  GET  /decisions/{id}/outcomes      manager (own decisions), auditor, evaluator
  GET  /evidence..., /evidence/export  any role (aggregate; the export de-personalised)
  GET  /catalogue, /schema/context   any role
Nothing here updates or deletes a decision.
"""
from __future__ import annotations

from fastapi import APIRouter

from service.api import decisions, health as _health, recommendations, rulebase, rules, whynot_whatif
from service.api import evidence, impact, replay

router = APIRouter(prefix="/api/v1")
for _module in (recommendations, decisions, whynot_whatif, rules, rulebase, replay, impact, evidence, _health):
    router.include_router(_module.router)
health = _health.health

__all__ = ["router", "health"]
