"""The engine's one error vocabulary (engine/errors.py): every engine exception is a CogovError with a code."""
from __future__ import annotations

import ast
import importlib
import inspect
import pickle
import pkgutil
from pathlib import Path

import pytest

import engine
from engine import (ChangeError, CogovError, ConditionError, ContextError, EngineError, ItemError, LoadError,
                    ResolutionError, RuleBaseError, YamlError)

ENGINE_DIR = Path(engine.__file__).resolve().parent


def engine_modules():
    return [importlib.import_module(m.name) for m in pkgutil.walk_packages([str(ENGINE_DIR)], "engine.")]


def test_every_exception_class_defined_in_the_engine_derives_from_cogov_error():
    found = {}
    for module in engine_modules():
        for name, cls in vars(module).items():
            if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = cls
    assert len(found) >= 9, found
    assert [n for n, c in found.items() if not issubclass(c, CogovError)] == []


def test_no_exception_class_is_defined_out_of_reach_of_the_module_walk():
    """A class deriving from an exception inside a function would escape the walk above: there is none."""
    for path in ENGINE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and id(node) not in top:
                bases = [ast.unparse(b) for b in node.bases]
                assert not any(b.endswith(("Error", "Exception")) for b in bases), f"{path}: {node.name}"


@pytest.mark.parametrize("cls, builtin, old_home", [
    (ContextError, ValueError, "engine.facts"), (ItemError, ValueError, "engine.whynot"),
    (ChangeError, ValueError, "engine.whatif"), (ResolutionError, RuntimeError, "engine.resolve"),
    (EngineError, RuntimeError, "engine.runtime"), (RuleBaseError, Exception, "engine.rulebase"),
    (ConditionError, Exception, "engine.conditions"), (YamlError, Exception, "engine.yamlsource")])
def test_todays_names_keep_their_home_and_their_builtin_base(cls, builtin, old_home):
    assert getattr(importlib.import_module(old_home), cls.__name__) is cls
    assert issubclass(cls, builtin) and issubclass(cls, CogovError)


def test_each_kind_has_its_own_stable_code():
    classes = [ContextError, RuleBaseError, YamlError, ConditionError, ResolutionError, EngineError, ItemError,
               ChangeError]
    codes = [c.code for c in classes]
    assert codes == ["context_invalid", "rulebase_invalid", "yaml_invalid", "condition_invalid",
                     "resolution_failed", "engine_fault", "item_unknown", "change_invalid"]
    assert CogovError.code not in codes


def test_as_dict_gives_the_code_the_message_the_known_location_and_the_details():
    ctx = ContextError([{"field": "public.size", "message": "not a size", "type": "enum"}])
    assert ctx.as_dict() == {"code": "context_invalid", "message": "public.size: not a size",
                             "errors": [{"field": "public.size", "message": "not a size", "type": "enum"}]}
    rb = RuleBaseError([LoadError("policy/thomas.yaml", 12, "unknown field", "thomas.r1")])
    assert rb.as_dict() == {"code": "rulebase_invalid", "message": str(rb),
                            "errors": [{"file": "policy/thomas.yaml", "line": 12, "rule": "thomas.r1",
                                        "message": "unknown field"}]}
    assert rb.errors[0].line == 12                     # the LoadErrors themselves, as before
    assert YamlError("duplicate key 'id'", 4).as_dict() == {"code": "yaml_invalid", "message": "duplicate key 'id'",
                                                            "line": 4}
    assert ResolutionError("no approach").as_dict() == {"code": "resolution_failed", "message": "no approach"}


def test_messages_are_unchanged():
    assert str(ContextError([{"field": "a", "message": "x"}, {"field": "b", "message": "y"}])) == "a: x; b: y"
    assert str(RuleBaseError([LoadError("f.yaml", 3, "bad")])) == "1 error(s) in rule base:\nf.yaml:3: bad"
    err = ConditionError("unknown field 'x'", ("when", 0))
    assert (str(err), err.message, err.path) == ("unknown field 'x'", "unknown field 'x'", ("when", 0))


def test_errors_survive_pickling_between_processes():
    for exc in (ContextError([{"field": "a", "message": "x"}]), RuleBaseError([LoadError("f.yaml", 3, "bad")]),
                YamlError("tabs", 2), ConditionError("c", ("when",)), EngineError("down")):
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and str(back) == str(exc) and back.as_dict() == exc.as_dict()


def test_a_real_refusal_carries_its_code():
    with pytest.raises(CogovError) as info:
        engine.validate_context({"project": 3})
    assert info.value.code == "context_invalid" and info.value.as_dict()["errors"]
