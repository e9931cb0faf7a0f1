"""cogov's engine: load a rule base, evaluate a context, explain, check.

This is the public API used by the service and the CLI; nothing here knows
about the web, the database or the decision log.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .context import ProjectContext
from .errors import (ChangeError, CogovError, ConditionError, ContextError, EngineError, ItemError, LoadError,
                     ResolutionError, RuleBaseError, YamlError)
from .evaluator import run_python
from .facts import subjects, validate_context
from .loader import load_rulebase, load_rulebase_files
from .recommendation import Recommendation
from .resolve import recommendation_data, resolve
from .rulebase import RuleBase
from .runtime import DurableRuntime
from .unknowns import settle
from .whatif import WhatIf, apply_changes, what_if
from .whynot import WhyNot, why_not

ENGINE_VERSION = "0.3.1"
BACKENDS = ("durable", "python")

__all__ = ["ENGINE_VERSION", "ChangeError", "CogovError", "ConditionError", "ContextError", "Engine", "EngineError",
           "ItemError", "LoadError", "ProjectContext", "Recommendation", "ResolutionError", "RuleBase",
           "RuleBaseError", "WhatIf", "WhyNot", "YamlError", "apply_changes", "check_rulebase", "load_rulebase",
           "load_rulebase_files", "validate_context", "what_if", "why_not"]


class Engine:
    """A loaded rule base ready to evaluate contexts.

    backend "durable" runs the Rete engine (the product's default); "python"
    runs the reference interpreter of the same compiled conditions.
    Not thread-safe across processes' worth of load: the durable backend
    serialises evaluations; scale with processes.
    """

    def __init__(self, rulebase: RuleBase | str | Path, backend: str = "durable"):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}")
        self.rulebase = rulebase if isinstance(rulebase, RuleBase) else load_rulebase(rulebase)
        self.backend = backend
        self._runtime: DurableRuntime | None = DurableRuntime(self.rulebase) if backend == "durable" else None
        self._closed = False

    def infer(self, context: Any):
        """Validate and run the rules; return the working memory (firings)."""
        if self._closed:
            raise EngineError("this engine was closed")
        settled = settle(self.rulebase, context)        # unknown answers never reach the rules
        subj = subjects(settled.context)
        wm = self._runtime.run(subj) if self._runtime is not None else run_python(self.rulebase, subj)
        wm.unknowns = settled
        return wm

    def recommend(self, context: Any) -> Recommendation:
        return resolve(self.infer(context), ENGINE_VERSION)

    def evaluate(self, context: Any) -> dict[str, Any]:
        """The explained recommendation as JSON-ready data."""
        return recommendation_data(self.infer(context), ENGINE_VERSION)

    def why_not(self, context: Any, item: str) -> "WhyNot":
        """Why `item` (e.g. 'approach:public_decision') is not in the recommendation: see engine.whynot."""
        return why_not(self.rulebase, context, item)

    def what_if(self, context: Any, item: str | None = None, **bounds: Any) -> "WhatIf":
        """The smallest answer changes that change the approach (or `item`), each checked by this engine's
        backend: see engine.whatif."""
        check = self.evaluate if self.backend == "durable" else None
        return what_if(self.rulebase, context, item=item, reevaluate=check, checker=self.backend, **bounds)

    def close(self) -> None:
        self._closed = True
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None


def check_rulebase(root: str | Path) -> list[LoadError]:
    """Every error in the rule base at `root` (empty when it is clean)."""
    try:
        load_rulebase(root)
    except RuleBaseError as exc:
        return exc.errors
    return []
