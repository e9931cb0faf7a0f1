"""Signed checkpoints (issue 13, item 5): `cogov audit keygen`, `cogov audit checkpoint` and `cogov audit verify
--checkpoint`. A truncated or rewritten tail, which the chain alone cannot show once the head is rewound, is
caught by anyone holding an earlier checkpoint; a checkpoint altered or signed by another key is named."""
from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from engine import Engine, load_rulebase
from service.cli import main
from service.log import DecisionStore
from svc_helpers import MINI, Who, pilot

NAMES = ("athens", "genoa", "milan", "bremen")


@pytest.fixture(scope="module")
def made():
    rb = load_rulebase(MINI)
    engine = Engine(rb, backend="python")
    return rb, {name: engine.evaluate(pilot(name)) for name in NAMES}


@pytest.fixture
def store(db_url, made):
    rb, _ = made
    s = DecisionStore(db_url)
    s.store_rulebase(rb.version, rb.files)
    s.record_activation(rb.version, "startup", "startup", "from rules/")
    s.record_activation(rb.version, "dave", "activate", "v2")
    for name in NAMES:
        add(s, made, name)
    yield s
    s.close()


def add(store, made, name="athens", who="alice"):
    rb, recs = made
    return store.record(identity=Who(who), context=pilot(name), recommendation=recs[name],
                        rulebase_version=rb.version, engine_version="0.1.0")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """An auditor's key pair, made by the command, and a second one (someone else's)."""
    out = {}
    for name in ("auditor", "other"):
        key = tmp_path_factory.mktemp("keys") / f"{name}.key"
        run = cogov("audit", "keygen", "--out", str(key))
        assert run.exit_code == 0, run.output
        assert f"public key: {key}.pub" in run.output and "key id: sha256:" in run.output
        out[name] = (key, key.with_name(key.name + ".pub"))
    return out


def cogov(*args: str):
    return CliRunner().invoke(main, list(args))


def checkpoint(store, keys, path) -> dict:
    run = cogov("audit", "checkpoint", "--key", str(keys["auditor"][0]), "--out", str(path),
                "--database-url", store.url)
    assert run.exit_code == 0, run.output
    return json.loads(path.read_text(encoding="utf-8"))


def verify(store, keys, *paths, key="auditor"):
    args = ["audit", "verify", "--database-url", store.url, "--public-key", str(keys[key][1])]
    for p in paths:
        args += ["--checkpoint", str(p)]
    return cogov(*args)


def _sql(store, *statements: str) -> None:
    with store.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def truncate_decisions(store, keep: int) -> None:
    """What a database writer can do unseen by the chain alone: drop the newest records, rewind the head."""
    _sql(store, f"DELETE FROM decision_rules WHERE decision_seq > {keep}", f"DELETE FROM decisions WHERE seq > {keep}",
         f"UPDATE log_head SET seq = {keep}, hash = (SELECT hash FROM decisions WHERE seq = {keep})")


def test_keygen_keeps_the_private_key_private_and_never_overwrites(keys):
    private, public = keys["auditor"]
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    before = private.read_bytes()
    run = cogov("audit", "keygen", "--out", str(private))
    assert run.exit_code == 2 and "already exists" in run.output and private.read_bytes() == before


def test_a_checkpoint_signs_both_heads_and_the_log_extends_it(store, keys, made, tmp_path):
    cp = checkpoint(store, keys, tmp_path / "cp1.json")
    heads = store.heads()
    assert cp["decisions"] == heads["decisions"] and cp["decisions"]["seq"] == 4
    assert cp["activations"] == heads["activations"] and cp["activations"]["seq"] == 2
    assert cp["evaluations"] == heads["evaluations"] == {"seq": 0, "hash": "0" * 64}   # none yet: the genesis
    assert cp["format"] == "cogov-checkpoint/1" and cp["time"].endswith("Z") and cp["signature"]
    printed = cogov("audit", "checkpoint", "--key", str(keys["auditor"][0]), "--database-url", store.url)
    assert printed.exit_code == 0 and json.loads(printed.output)["decisions"] == cp["decisions"]
    add(store, made, "genoa")
    store.record_activation(made[0].version, "erin", "rollback", "back")
    cp2 = checkpoint(store, keys, tmp_path / "cp2.json")
    assert cp2["decisions"]["seq"] == 5 and cp2["activations"]["seq"] == 3
    run = verify(store, keys, tmp_path / "cp1.json", tmp_path / "cp2.json")
    assert run.exit_code == 0, run.output
    assert run.output.count("OK: the log extends it") == 2 and "decisions seq 4, activations seq 2" in run.output


def test_a_truncated_tail_is_caught_by_an_earlier_checkpoint(store, keys, tmp_path):
    checkpoint(store, keys, tmp_path / "cp.json")
    truncate_decisions(store, 2)
    plain = cogov("audit", "verify", "--database-url", store.url)
    assert plain.exit_code == 0 and "OK: all 2 records verify" in plain.output   # the chain alone cannot see it
    run = verify(store, keys, tmp_path / "cp.json")
    assert run.exit_code == 1
    assert "FAILED: the decisions end at seq 2 but the checkpoint signed seq 4: the log was truncated" in run.output


def test_a_rewritten_tail_is_caught_by_an_earlier_checkpoint(store, keys, made, tmp_path):
    cp = checkpoint(store, keys, tmp_path / "cp.json")
    truncate_decisions(store, 2)
    for name in ("bremen", "athens", "milan"):       # written again, so the log is as long as before and longer
        add(store, made, name, who="mallory")
    assert cogov("audit", "verify", "--database-url", store.url).exit_code == 0
    run = verify(store, keys, tmp_path / "cp.json")
    assert run.exit_code == 1
    assert f"the record at seq 4 has hash {store.hash_at('decisions', 4)} but the checkpoint " \
           f"signed {cp['decisions']['hash']}: the log was rewritten" in run.output


def test_a_truncated_activation_history_is_caught(store, keys, tmp_path):
    checkpoint(store, keys, tmp_path / "cp.json")
    _sql(store, "DELETE FROM rulebase_activations WHERE seq = 2",
         "UPDATE activation_head SET seq = 1, hash = (SELECT hash FROM rulebase_activations WHERE seq = 1)")
    assert cogov("audit", "verify", "--database-url", store.url).exit_code == 0
    run = verify(store, keys, tmp_path / "cp.json")
    assert run.exit_code == 1 and "the activations end at seq 1 but the checkpoint signed seq 2" in run.output


def evaluate(store, n: int, who: str = "erin") -> None:
    """Record a synthetic evaluation (made up for the test, and saying so) of the first decision."""
    store.evaluations.record(decision_id=_first_decision_id(store), identity=Who(who, "evaluator"), evaluation={
        "stage": "process", "evaluated_by": "self", "techniques_used": [], "participants": 10 * n,
        "recruitment": [], "groups": [], "cost": None, "duration_days": None, "items": [],
        "scores": {"influence": 1 + n % 5}, "notes": f"SYNTHETIC test evaluation {n}", "synthetic": True})


def _first_decision_id(store) -> str:
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT id FROM decisions WHERE seq = 1")).scalar_one()


def truncate_evaluations(store, keep: int) -> None:
    _sql(store, f"DELETE FROM evaluations WHERE seq > {keep}",
         f"UPDATE evaluation_head SET seq = {keep}, hash = (SELECT hash FROM evaluations WHERE seq = {keep})")


def test_a_checkpoint_signs_the_evaluations_head(store, keys, tmp_path):
    for n in (1, 2, 3):
        evaluate(store, n)
    cp = checkpoint(store, keys, tmp_path / "cp.json")
    assert cp["evaluations"] == store.heads()["evaluations"] and cp["evaluations"]["seq"] == 3
    assert cp["evaluations"]["hash"] == store.hash_at("evaluations", 3)
    evaluate(store, 4)
    run = verify(store, keys, tmp_path / "cp.json")
    assert run.exit_code == 0, run.output
    assert "evaluations seq 3, signed" in run.output and "OK: the log extends it" in run.output


def test_a_truncated_evaluations_tail_is_caught(store, keys, tmp_path):
    for n in (1, 2, 3):
        evaluate(store, n)
    checkpoint(store, keys, tmp_path / "cp.json")
    truncate_evaluations(store, 1)
    assert cogov("audit", "verify", "--database-url", store.url).exit_code == 0   # the chain alone cannot see it
    run = verify(store, keys, tmp_path / "cp.json")
    assert run.exit_code == 1
    assert "FAILED: the evaluations end at seq 1 but the checkpoint signed seq 3: the log was truncated " \
           "(evaluations 2..3 are gone)" in run.output


def test_a_rewritten_evaluations_tail_is_caught(store, keys, tmp_path):
    for n in (1, 2, 3):
        evaluate(store, n)
    cp = checkpoint(store, keys, tmp_path / "cp.json")
    truncate_evaluations(store, 1)
    for n in (7, 8, 9):                              # written again, so the chain is longer than before
        evaluate(store, n, who="mallory")
    assert cogov("audit", "verify", "--database-url", store.url).exit_code == 0
    run = verify(store, keys, tmp_path / "cp.json")
    assert run.exit_code == 1
    assert f"FAILED: the evaluation at seq 3 has hash {store.hash_at('evaluations', 3)} but the checkpoint " \
           f"signed {cp['evaluations']['hash']}: the log was rewritten" in run.output


def test_a_checkpoint_made_before_evaluations_were_signed_still_verifies(store, keys, tmp_path):
    """Signed as the previous version signed: without the "evaluations" field (the same key, the same
    canonical JSON); it vouches for decisions and activations only, and says so."""
    import base64

    from service.log.checkpoint import _signed_text, load_private_key

    evaluate(store, 1)
    evaluate(store, 2)
    cp = checkpoint(store, keys, tmp_path / "new.json")
    old = {k: v for k, v in cp.items() if k not in ("evaluations", "signature")}
    old["signature"] = base64.b64encode(load_private_key(keys["auditor"][0]).sign(_signed_text(old))).decode()
    (tmp_path / "old.json").write_text(json.dumps(old))
    truncate_evaluations(store, 1)                   # not what it vouched for: still OK
    run = verify(store, keys, tmp_path / "old.json")
    assert run.exit_code == 0, run.output
    assert "decisions seq 4, activations seq 2; made before evaluations were signed: it does not vouch for " \
           "them" in run.output and "OK: the log extends it" in run.output
    truncate_decisions(store, 2)                     # what it vouched for: caught
    run = verify(store, keys, tmp_path / "old.json")
    assert run.exit_code == 1 and "the decisions end at seq 2 but the checkpoint signed seq 4" in run.output
    stripped = {k: v for k, v in cp.items() if k != "evaluations"}   # a new one cannot be passed off as old
    (tmp_path / "stripped.json").write_text(json.dumps(stripped))
    assert "bad signature" in verify(store, keys, tmp_path / "stripped.json").output


@pytest.mark.parametrize("edit", ["seq", "hash", "time"])
def test_an_altered_checkpoint_has_a_bad_signature(store, keys, tmp_path, edit):
    path = tmp_path / "cp.json"
    cp = checkpoint(store, keys, path)
    if edit == "seq":
        cp["decisions"]["seq"] = 2
        cp["decisions"]["hash"] = store.hash_at("decisions", 2)   # a true head, yet not what was signed
    elif edit == "hash":
        cp["activations"]["hash"] = "0" * 64
    else:
        cp["time"] = "2020-01-01T00:00:00.000000Z"
    path.write_text(json.dumps(cp))
    run = verify(store, keys, path)
    assert run.exit_code == 1 and f"checkpoint {path}" in run.output
    assert "FAILED: bad signature: the checkpoint was altered or not signed by this key" in run.output


def test_a_checkpoint_from_another_key_has_a_bad_signature(store, keys, tmp_path):
    checkpoint(store, keys, tmp_path / "cp.json")
    run = verify(store, keys, tmp_path / "cp.json", key="other")
    assert run.exit_code == 1 and "bad signature" in run.output and "it names key sha256:" in run.output


def test_a_log_that_does_not_verify_is_not_signed(store, keys, tmp_path):
    _sql(store, "UPDATE decisions SET caller_name = 'mallory' WHERE seq = 2")
    run = cogov("audit", "checkpoint", "--key", str(keys["auditor"][0]), "--out", str(tmp_path / "cp.json"),
                "--database-url", store.url)
    assert run.exit_code == 1 and "does not verify, so it is not signed" in run.output
    assert not (tmp_path / "cp.json").exists()


def test_unusable_inputs_exit_2_naming_the_file(store, keys, tmp_path):
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    run = verify(store, keys, garbage)
    assert run.exit_code == 2 and f"{garbage}: not a JSON checkpoint" in run.output
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"format": "cogov-checkpoint/1", "decisions": {"seq": "4", "hash": "x"}}))
    run = verify(store, keys, partial)
    assert run.exit_code == 2 and f"{partial}: field 'decisions'" in run.output
    run = cogov("audit", "verify", "--database-url", store.url, "--checkpoint", str(partial))
    assert run.exit_code == 2 and "--checkpoint needs --public-key" in run.output
    run = cogov("audit", "checkpoint", "--key", str(keys["auditor"][1]), "--database-url", store.url)
    assert run.exit_code == 2 and "not an unencrypted PEM private key" in run.output
    run = cogov("audit", "checkpoint", "--key", str(tmp_path / "missing.key"), "--database-url", store.url)
    assert run.exit_code == 2 and "missing.key: cannot read the private key" in run.output
    existing = tmp_path / "exists.json"
    existing.write_text("keep")
    run = cogov("audit", "checkpoint", "--key", str(keys["auditor"][0]), "--out", str(existing),
                "--database-url", store.url)
    assert run.exit_code == 2 and "already exists" in run.output and existing.read_text() == "keep"
    run = cogov("audit", "verify", "--database-url", f"sqlite:///{tmp_path / 'none.db'}")
    assert run.exit_code == 2
