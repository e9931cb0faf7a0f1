"""The rule base: GET /rules, /rulebases, /catalogue, /schema/context; POST /rules/check."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from engine.catalogue import Catalogue
from engine.context import context_json_schema
from engine.translations import CATALOGUE_FIELDS, TERM_FIELDS
from engine.words import Words
from service.api.caching import RULEBASE_MAX_AGE, IfNoneMatch, cached_answer_doc, immutable_json
from service.api.common import ERRORS, UNAVAILABLE, Anyone, Author, JsonBodyRoute, RuleReader, problem
from service.deps import PoolDep, RuleBaseDep, StoreDep
from service.i18n import DEFAULT
from service.rule_words import api_language, set_language
from service.schemas import (CandidateRuleBase, CatalogueOut, CheckOut, JsonSchemaOut, RuleBaseFilesOut,
                             RuleBaseVersionOut, RuleDetailOut, RulesOut)
from service.workers import WorkerFailure

router = APIRouter(route_class=JsonBodyRoute)   # its bodies read strictly


@router.get("/rulebases", response_model=list[RuleBaseVersionOut], responses=ERRORS,
            summary="Rule base versions the log holds", operation_id="listRuleBaseVersions", tags=["rule base"])
async def list_rulebases(store: StoreDep, identity: RuleReader) -> Any:
    """Every rule base version the decision log holds, newest first, with how many decisions each made."""
    return await run_in_threadpool(store.list_rulebases)


@router.get("/rulebases/{version}", response_model=RuleBaseFilesOut, operation_id="getRuleBaseVersion",
            tags=["rule base"], summary="The files of a stored rule base version",
            responses={**ERRORS, **problem(404, "The log holds no such rule base version."),
                       **cached_answer_doc("rule base version")})
async def get_rulebase(store: StoreDep, version: str, identity: RuleReader, if_none_match: IfNoneMatch = None) -> Any:
    """The exact rules a past decision was made with (its `rulebase_version`). A stored version never
    changes, so the answer has an `ETag` and may be cached."""
    stored = await run_in_threadpool(store.get_rulebase, version)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no stored rule base version {version}")
    return immutable_json({"version": stored.version, "digest": stored.digest, "stored_at": stored.stored_at,
                           "files": stored.files}, if_none_match, RULEBASE_MAX_AGE)


@router.get("/rules", response_model=RulesOut, responses=ERRORS, summary="The rule base serving now, as authored",
            operation_id="listRules", tags=["rules"])
async def list_rules(rb: RuleBaseDep, identity: RuleReader) -> Any:
    """Every rule of the rule base serving now, as its author wrote it, with its file and line."""
    return {"version": rb.version, "rule_count": rb.rule_count, "rules": [r.as_authored() for r in rb.rules]}


@router.get("/rules/{rule_id}", response_model=RuleDetailOut,
            responses={**ERRORS, **problem(404, "The rule base serving now has no such rule.")},
            summary="One rule, as authored, with its file and line", operation_id="getRule", tags=["rules"])
async def get_rule(rb: RuleBaseDep, rule_id: str, identity: RuleReader) -> Any:
    """One rule of the rule base serving now, by its id."""
    rule = rb.by_id.get(rule_id)
    if rule is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule {rule_id} in rule base {rb.version}")
    return {**rule.as_authored(), "rulebase_version": rb.version}


@router.post("/rules/check", response_model=CheckOut, operation_id="checkRuleBase", tags=["rules"],
             responses={**ERRORS, **problem(422, "The body is not valid, e.g. a path outside the rule base."),
                        **UNAVAILABLE},
             summary="Check a candidate rule base")
async def check_rules(pool: PoolDep, candidate: CandidateRuleBase, identity: Author) -> Any:
    """Loads and compiles a candidate rule base as activating it would, without activating it: `ok` false
    lists every error as file:line. Nothing is stored."""
    # in an engine worker, never in the web process: a pathological rule base can hang or crash the rule engine
    try:
        return await pool.check(candidate.files)   # the leased pool: not retired by a swap meanwhile
    except WorkerFailure as exc:   # answered by service.errors (503), saying what did not complete
        raise WorkerFailure(f"the rule base check did not complete: {exc}", exc.kind) from None


CATALOGUE_LANG_HELP = ("The language of the catalogue's words (en, it, de, sv, el, pt; English where a text is not "
                       "translated; an unsupported one is passed over, not an error); codes, keys and the "
                       "published sources stay as they are. Without it, Accept-Language, then English.")


@router.get("/catalogue", response_model=CatalogueOut, responses=ERRORS, operation_id="getCatalogue",
            tags=["reference"], summary="The technique catalogue and the other catalogues")
async def catalogue(request: Request, response: Response, rb: RuleBaseDep, identity: Anyone,
                    lang: Annotated[str | None, Query(description=CATALOGUE_LANG_HELP)] = None
                    ) -> Any:
    """What recommendations are made of, by code: techniques, roles, recruitment and participation modes,
    governance arrangements, skills, warnings, and the published sources rules cite. Labels, descriptions,
    warnings' messages and actions and the terms are in the language `lang` or Accept-Language names, where
    translated; `Content-Language` says which."""
    said = api_language(request)
    set_language(response, said)
    return {"rulebase_version": rb.version, **catalogue_in(rb.catalogue, said)}


def catalogue_in(catalogue: Catalogue, lang: str) -> dict[str, Any]:
    """The catalogue's JSON form with its words in `lang` (engine.words.Words: the rule base's translations,
    English where none); English: the catalogue as loaded."""
    data = catalogue.model_dump(mode="json")
    if lang == DEFAULT:
        return data
    words = Words(catalogue, lang)
    for kind in (k for k in data if k not in ("sources", "terms")):
        for code, entry in data[kind].items():
            for name in CATALOGUE_FIELDS:
                if entry.get(name):
                    entry[name] = words.text(f"{kind}.{code}.{name}", entry[name])
    terms = data.get("terms") or {}
    for kind, entries in terms.items():
        groups = entries.items() if kind == "options" else [(None, entries)]
        for vocabulary, by_code in groups:
            prefix = f"options.{vocabulary}" if vocabulary is not None else kind
            for code, term in by_code.items():
                for name in TERM_FIELDS:
                    if term.get(name):
                        term[name] = words.text(f"{prefix}.{code}.{name}", term[name])
    return data


@router.get("/schema/context", response_model=JsonSchemaOut, responses=ERRORS, operation_id="getContextSchema",
            tags=["reference"], summary="JSON Schema of the project context")
async def context_schema(identity: Anyone) -> Any:
    """The project context's JSON Schema (2020-12): every value it accepts, the service accepts, and the
    other way round, except what its description lists (unique stakeholder ids, the body size limit, ...)."""
    return JSONResponse(context_json_schema())


