"""An integrator's generated client (issue 19, item 7): openapi-python-client generates a Python client from the
service's /openapi.json into a temporary directory; with it, a manager posts the six pilots and reads each
decision back as typed models (the context as ProjectContext, the recommendation as logged), and every
operation that documents a 422 answers one that the client parses as ProblemDetails.
"""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from svc_helpers import PILOTS, TOKENS_SPEC, USERS, pilot, settings_for

PACKAGE = "cogov_contract_client"


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[TestClient]:
    app = create_app(settings_for(tmp_path_factory.mktemp("client-service"), tokens=TOKENS_SPEC, workers=2))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def generated(service, tmp_path_factory) -> Iterator[ModuleType]:
    """The client package, generated from the served document as an integrator would."""
    tmp = tmp_path_factory.mktemp("client")
    (tmp / "openapi.json").write_text(json.dumps(service.get("/openapi.json").json()), encoding="utf-8")
    (tmp / "config.yaml").write_text("post_hooks: []\n", encoding="utf-8")   # no formatter run: not needed
    run = subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path", "openapi.json",
                          "--output-path", PACKAGE, "--meta", "none", "--config", "config.yaml"],
                         cwd=tmp, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr   # nothing skipped or dropped
    sys.path.insert(0, str(tmp))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture(scope="module")
def clients(service, generated) -> dict[str, Any]:
    """One authenticated client per user, each sending through the service under test."""
    return {user: generated.AuthenticatedClient(base_url=str(service.base_url), token=token,
                                                httpx_args={"transport": service._transport})
            for user, (_, token) in USERS.items()}


@pytest.fixture(scope="module")
def logged(clients) -> dict[str, Any]:
    """The six pilots posted by a manager: name -> the typed answer."""
    create = _module("api.recommendations.create_recommendation")
    ProjectContext = _module("models").ProjectContext
    made = {}
    for path in sorted(PILOTS.glob("*.json")):
        r = create.sync_detailed(client=clients["alice"], body=ProjectContext.from_dict(pilot(path.stem)))
        assert r.status_code == 201, r.content
        made[path.stem] = r.parsed
    return made


def test_six_pilots_posted_and_read_back_typed(clients, logged):
    models = _module("models")
    get_decision = _module("api.decisions.get_decision")
    get_explanation = _module("api.decisions.get_explanation")
    for name, answer in logged.items():
        # by default the plan, the items and their because references; the full explanation on request
        assert isinstance(answer, models.RecommendationBriefOut) and isinstance(answer.approach,
                                                                                models.BriefApproach)
        full = get_explanation.sync(client=clients["carol"], decision_id=answer.decision_id)
        assert isinstance(full, models.RecommendationOut) and isinstance(full.approach, models.ApproachOut)
        assert full.explanation.firings and full.approach.code == answer.approach.code
        record = get_decision.sync(client=clients["carol"], decision_id=answer.decision_id)
        assert isinstance(record, models.DecisionOut), record
        # the recommendation as logged: fields a later engine version adds may be absent from older decisions
        assert isinstance(record.context, models.ProjectContext) and isinstance(record.recommendation,
                                                                                models.LoggedRecommendationBrief)
        context = pilot(name)
        assert record.context.project.name == context["project"]["name"]
        assert [s.id for s in record.context.stakeholders] == [s["id"] for s in context["stakeholders"]]
        assert record.recommendation.approach.code == answer.approach.code
        assert [p.stakeholder for p in record.recommendation.participants] == \
            [p.stakeholder for p in answer.participants]
        assert record.context.to_dict() == context   # the context as received, every field typed and back
    listed = _module("api.decisions.list_decisions").sync(client=clients["carol"], limit=10)
    assert {d.decision_id for d in listed.items} == {a.decision_id for a in logged.values()}


def _bad_context(models: Any) -> Any:
    context = pilot("athens")
    context["stakeholders"].append(dict(context["stakeholders"][0]))   # a repeated id
    return models.ProjectContext.from_dict(context)


# operation id -> how to make it answer 422 through the generated client (user, call)
def _cases(models: Any, decision: str, version: str) -> dict[str, tuple[str, Callable[[Any], Any]]]:
    api = lambda name: _module(f"api.{name}")   # noqa: E731
    return {
        "createRecommendation": ("alice", lambda c: api("recommendations.create_recommendation").sync_detailed(
            client=c, body=_bad_context(models))),
        "compareRecommendations": ("alice", lambda c: api("recommendations.compare_recommendations").sync_detailed(
            client=c, body=models.WhatIfIn(context=models.ProjectContext.from_dict(pilot("athens")),
                                           changes=[models.ChangeIn(field="decision.no_such_answer", value=True)]))),
        "listDecisions": ("carol", lambda c: api("decisions.list_decisions").sync_detailed(client=c, limit=0)),
        "getDecision": ("carol", lambda c: api("decisions.get_decision").sync_detailed(
            decision, client=c, explain=SimpleNamespace(value="everything"))),
        "explainWhyNot": ("carol", lambda c: api("explanations.explain_why_not").sync_detailed(
            decision, client=c, item="colour:red")),
        "findWhatIf": ("carol", lambda c: api("explanations.find_what_if").sync_detailed(
            decision, client=c, max_changes=99)),
        "checkRuleBase": ("dave", lambda c: api("rules.check_rule_base").sync_detailed(
            client=c, body=models.CandidateRuleBase.from_dict({"files": {"../outside.yaml": "rules: []\n"}}))),
        "activateRuleBase": ("dave", lambda c: api("rule_base.activate_rule_base").sync_detailed(
            client=c, body=models.ActivateRuleBase(from_directory=False))),
        "rollbackRuleBase": ("dave", lambda c: api("rule_base.rollback_rule_base").sync_detailed(
            client=c, body=models.RollbackRuleBase(version=""))),
        "replayDecision": ("carol", lambda c: api("audit.replay_decision").sync_detailed(
            decision, client=c, body=models.ReplayIn(rulebase_version="sha256:not-stored"))),
        "assessRuleImpact": ("carol", lambda c: api("audit.assess_rule_impact").sync_detailed(
            client=c, body=models.ImpactIn(rulebase_version=version, limit=0))),
        "recordOutcome": ("alice", lambda c: api("evidence.record_outcome").sync_detailed(
            decision, client=c, body=models.EvaluationIn.from_dict({"techniques_used": [], "participants": -1}))),
        "exportEvaluations": ("carol", lambda c: api("evidence.export_evaluations").sync_detailed(
            client=c, format_=SimpleNamespace(value="xml"))),
    }


def test_every_operation_that_can_answer_422_gives_a_parsed_problem(service, clients, logged):
    models = _module("models")
    spec = service.get("/openapi.json").json()
    documented = {op["operationId"] for methods in spec["paths"].values() for op in methods.values()
                  if "422" in op["responses"]}
    decision = logged["athens"].decision_id
    cases = _cases(models, decision, logged["athens"].rulebase.version)
    assert documented <= set(cases), f"no 422 case here for {sorted(documented - set(cases))}"
    wrong = []
    for operation in sorted(documented):
        user, call = cases[operation]
        r = call(clients[user])
        if r.status_code != 422 or not isinstance(r.parsed, models.ProblemDetails) or not r.parsed.errors:
            wrong.append(f"{operation}: {r.status_code} {type(r.parsed).__name__} {r.content[:300]!r}")
        elif not all(isinstance(e, models.FieldError) and e.field is not None for e in r.parsed.errors):
            wrong.append(f"{operation}: errors not parsed as FieldError: {r.parsed.errors}")
    assert not wrong, "\n".join(wrong)


def test_other_errors_parse_as_problems_too(clients, logged, generated):
    models = _module("models")
    get_decision = _module("api.decisions.get_decision")
    missing = get_decision.sync_detailed(client=clients["carol"], decision_id="no-such-decision")
    assert missing.status_code == 404 and isinstance(missing.parsed, models.ProblemDetails)
    assert missing.parsed.status == 404 and missing.parsed.title == "Not Found"
    foreign = get_decision.sync_detailed(client=clients["bob"], decision_id=logged["athens"].decision_id)
    assert foreign.status_code == 404    # another manager's decision is not there for bob
    forbidden = _module("api.rules.list_rules").sync_detailed(client=clients["alice"])
    assert forbidden.status_code == 403 and isinstance(forbidden.parsed, models.ProblemDetails)
    anonymous = generated.Client(base_url=str(clients["alice"]._base_url),
                                 httpx_args=clients["alice"]._httpx_args)
    unauthorised = _module("api.audit.verify_log").sync_detailed(client=anonymous)
    assert unauthorised.status_code == 401 and isinstance(unauthorised.parsed, models.ProblemDetails)


def test_the_client_uses_the_cache_headers(clients, logged):
    get_decision = _module("api.decisions.get_decision")
    decision = logged["genoa"].decision_id
    first = get_decision.sync_detailed(client=clients["carol"], decision_id=decision)
    again = get_decision.sync_detailed(client=clients["carol"], decision_id=decision,
                                       if_none_match=first.headers["etag"])
    assert first.status_code == 200 and again.status_code == 304 and again.parsed is None
