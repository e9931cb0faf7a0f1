"""Settings from the environment, and API token configuration."""
from __future__ import annotations

from pathlib import Path

import pytest

from service.auth import TokenConfigError, TokenRegistry, hash_token, parse_env_tokens, read_tokens_file
from service.settings import DEFAULT_DATABASE_URL, Settings, SettingsError
from svc_helpers import MINI

HASH = hash_token("s3cret")


def test_defaults():
    s = Settings.from_env({})
    assert s.database_url == DEFAULT_DATABASE_URL and s.host == "127.0.0.1" and s.port == 8000
    assert s.max_body_bytes == 256 * 1024 and s.workers >= 1 and s.eval_timeout > 0
    assert s.tokens is None and s.tokens_file is None


def test_environment_and_overrides():
    env = {"COGOV_DATABASE_URL": "postgresql://u@db/cogov", "COGOV_RULES_DIR": str(MINI),
           "COGOV_MAX_BODY_BYTES": "4096", "COGOV_EVAL_TIMEOUT": "2.5", "COGOV_WORKERS": "3",
           "COGOV_TOKENS": f"a:manager:{HASH}", "COGOV_TOKENS_FILE": "/etc/cogov/tokens.yaml"}
    s = Settings.from_env(env, workers=5, port=None)
    assert s.database_url == "postgresql+psycopg://u@db/cogov"     # psycopg 3, the installed driver
    assert s.rules_dir == MINI and s.max_body_bytes == 4096 and s.eval_timeout == 2.5
    assert s.workers == 5 and s.port == 8000                      # override wins; None means "not given"
    assert s.tokens_file == Path("/etc/cogov/tokens.yaml")


@pytest.mark.parametrize("var,value", [("COGOV_WORKERS", "0"), ("COGOV_EVAL_TIMEOUT", "soon"),
                                       ("COGOV_MAX_BODY_BYTES", "-1")])
def test_bad_values_name_their_variable(var, value):
    with pytest.raises(SettingsError, match=var):
        Settings.from_env({var: value})


def test_env_tokens():
    entries = parse_env_tokens(f"alice:manager:{HASH}, bob:auditor:sha256:{hash_token('b').upper()}")
    assert [(e.name, e.role) for e in entries] == [("alice", "manager"), ("bob", "auditor")]
    registry = TokenRegistry(entries)
    assert registry.lookup("s3cret").name == "alice" and registry.lookup("b").role == "auditor"
    assert registry.lookup("nope") is None and not registry.local_mode


@pytest.mark.parametrize("spec,message", [
    ("alice:manager", "expected name:role:sha256hex"),
    (f"alice:admin:{HASH}", "role must be one of"),
    ("alice:manager:s3cret", "64 hex digits"),
    (f"al ice:manager:{HASH}", "expected name:role"),
    (f"alice:manager:{HASH},bob:auditor:{HASH}", "configured twice"),
])
def test_bad_env_tokens(spec, message):
    with pytest.raises(TokenConfigError, match=message):
        TokenRegistry(parse_env_tokens(spec))


def test_tokens_file(tmp_path):
    path = tmp_path / "tokens.yaml"
    path.write_text(f"tokens:\n  - {{name: carol, role: auditor, sha256: {HASH}}}\n")
    registry = TokenRegistry.from_settings(path, f"dave:author:{hash_token('d')}")
    assert registry.lookup("s3cret").name == "carol" and registry.lookup("d").name == "dave" and len(registry) == 2
    path.write_text(f'{{"tokens": [{{"name": "carol", "role": "auditor", "sha256": "{HASH}"}}]}}')  # JSON too
    assert read_tokens_file(path)[0].name == "carol"


@pytest.mark.parametrize("content,message", [
    ("tokens: {}", "expected a mapping with a 'tokens' list"),
    ("tokens:\n  - carol\n", "tokens entry 1"),
    ("tokens: [\n", "not valid YAML/JSON"),
])
def test_bad_tokens_file(tmp_path, content, message):
    path = tmp_path / "tokens.yaml"
    path.write_text(content)
    with pytest.raises(TokenConfigError, match=message):
        read_tokens_file(path)
    with pytest.raises(TokenConfigError, match="cannot read"):
        read_tokens_file(tmp_path / "missing.yaml")


def test_no_tokens_is_local_mode():
    assert TokenRegistry.from_settings(None, None).local_mode
    assert TokenRegistry.from_settings(None, "").local_mode
