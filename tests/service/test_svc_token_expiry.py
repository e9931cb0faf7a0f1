"""Token expiry as written in COGOV_TOKENS, a tokens file and `cogov tokens new`.

COGOV_TOKENS separates entries by commas or whitespace, so an expiry written
with a space ("2027-01-01 12:00") used to be cut in two: the date alone and a
second "entry" 12:00, refused as "entry 2: expected name:role:sha256hex".
Now the entry is refused naming itself and the fix; a tokens file, where the
value is one YAML scalar, takes the space. No error shows a hash or a token.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import yaml
from click.testing import CliRunner

from service.auth import (TokenConfigError, TokenRegistry, format_expiry, hash_token, parse_env_tokens,
                          read_tokens_file)
from service.cli import main
from svc_helpers import MINI

TOKEN = "tok-expiry-s3cret"
HASH = hash_token(TOKEN)
OTHER = hash_token("tok-expiry-other")
UTC = timezone.utc


@pytest.mark.parametrize("expires,when", [
    ("2027-01-31", datetime(2027, 1, 31, tzinfo=UTC)),
    ("2027-01-31T18:00", datetime(2027, 1, 31, 18, tzinfo=UTC)),
    ("2027-01-31T18:00:00Z", datetime(2027, 1, 31, 18, tzinfo=UTC)),
    ("2027-01-31t18:00z", datetime(2027, 1, 31, 18, tzinfo=UTC)),
    ("2027-01-31T18:00+02:00", datetime(2027, 1, 31, 16, tzinfo=UTC)),
])
def test_env_expiry_forms(expires, when):
    (entry,) = parse_env_tokens(f"alice:manager:{HASH}:{expires}")
    assert entry.expires == when
    (entry,) = parse_env_tokens(f"alice:manager:sha256:{HASH}:{expires}")
    assert entry.expires == when


@pytest.mark.parametrize("spec,written,fix", [
    (f"alice:manager:{HASH}:2027-01-01 12:00", "2027-01-01 12:00", "2027-01-01T12:00"),
    (f"alice:manager:{HASH}:2027-01-01 12:00:00Z,bob:auditor:{OTHER}", "2027-01-01 12:00:00Z",
     "2027-01-01T12:00:00Z"),
    (f"bob:auditor:{OTHER} alice:manager:{HASH}:2027-01-01T12:00 +02:00", "2027-01-01T12:00 +02:00",
     "2027-01-01T12:00+02:00"),
])
def test_an_env_expiry_with_a_space_is_refused_naming_its_entry(spec, written, fix):
    with pytest.raises(TokenConfigError) as caught:
        parse_env_tokens(spec)
    message = str(caught.value)
    assert "(alice)" in message and f"'{written}'" in message and f"'{fix}'" in message, message
    assert "with T" in message
    assert HASH not in message and OTHER not in message and TOKEN not in message


def test_errors_never_show_a_hash_or_a_token():
    for spec in (f"alice:manager:{HASH}:{OTHER}", f"alice:manager:{HASH}:{TOKEN}", f"alice:manager:{TOKEN}"):
        with pytest.raises(TokenConfigError) as caught:
            parse_env_tokens(spec)
        assert HASH not in str(caught.value) and OTHER not in str(caught.value) and TOKEN not in str(caught.value)
    with pytest.raises(TokenConfigError, match=r"entry 1 \(alice\).*got '2027-13-01'"):
        parse_env_tokens(f"alice:manager:{HASH}:2027-13-01")


@pytest.mark.parametrize("expires,when", [
    ("2027-01-01 12:00", datetime(2027, 1, 1, 12, tzinfo=UTC)),          # a YAML string
    ("2027-01-01 12:00:00", datetime(2027, 1, 1, 12, tzinfo=UTC)),       # a YAML timestamp, no zone: UTC
    ("2027-01-01 12:00:00 +02:00", datetime(2027, 1, 1, 10, tzinfo=UTC)),  # a YAML timestamp with a zone
    ("'2027-01-01 12:00+02:00'", datetime(2027, 1, 1, 10, tzinfo=UTC)),
    ("2027-01-01T12:00:00Z", datetime(2027, 1, 1, 12, tzinfo=UTC)),
    ("2027-01-01", datetime(2027, 1, 1, tzinfo=UTC)),
])
def test_a_tokens_file_takes_a_space_between_date_and_time(tmp_path, expires, when):
    path = tmp_path / "tokens.yaml"
    path.write_text(f"tokens:\n  - name: alice\n    role: manager\n    sha256: {HASH}\n    expires: {expires}\n")
    (entry,) = read_tokens_file(path)
    assert entry.expires == when


@pytest.mark.parametrize("expires", ["2027-01-01  12:00", "'2027-01-01 12:00 +02:00'", "soon", "12:00"])
def test_a_tokens_file_refuses_an_expiry_it_cannot_read_naming_the_entry(tmp_path, expires):
    path = tmp_path / "tokens.yaml"
    path.write_text(f"tokens:\n  - name: alice\n    role: manager\n    sha256: {HASH}\n    expires: {expires}\n")
    with pytest.raises(TokenConfigError, match=r"tokens entry 1 \(alice\): expires must be an ISO 8601"):
        read_tokens_file(path)


def test_serve_refuses_to_start_with_a_spaced_expiry(tmp_path, monkeypatch):
    monkeypatch.setenv("COGOV_RULES_DIR", str(MINI))
    monkeypatch.setenv("COGOV_DATABASE_URL", f"sqlite:///{tmp_path / 'log.db'}")
    monkeypatch.delenv("COGOV_TOKENS_FILE", raising=False)
    monkeypatch.setenv("COGOV_TOKENS", f"alice:manager:{HASH}:2027-01-01 12:00")
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2, result.output
    assert "COGOV_TOKENS entry 1 (alice)" in result.output and "2027-01-01T12:00" in result.output
    assert HASH not in result.output


def _new(*args: str):
    result = CliRunner().invoke(main, ["tokens", "new", "erin", "auditor", *args])
    lines = result.output.splitlines()
    return result, lines


def test_tokens_new_with_an_expiry_prints_entries_both_forms_read_back(tmp_path):
    result, lines = _new("--expires", "2031-06-30 18:30+02:00")
    assert result.exit_code == 0, result.output
    token = lines[0].rsplit(" ", 1)[1]
    env_entry = lines[1].split(": ", 1)[1]
    assert env_entry.endswith(":2031-06-30T16:30:00Z") and " " not in env_entry
    (entry,) = parse_env_tokens(env_entry)
    assert entry.expires == datetime(2031, 6, 30, 16, 30, tzinfo=UTC)
    assert TokenRegistry([entry]).lookup(token).name == "erin"
    path = tmp_path / "tokens.yaml"
    path.write_text("tokens:\n" + lines[2].split(":", 1)[1] + "\n")
    assert yaml.safe_load(path.read_text())["tokens"][0]["name"] == "erin"
    (from_file,) = read_tokens_file(path)
    assert from_file.expires == entry.expires and from_file.sha256 == entry.sha256


def test_tokens_new_without_an_expiry_is_unchanged():
    result, lines = _new()
    assert result.exit_code == 0
    (entry,) = parse_env_tokens(lines[1].split(": ", 1)[1])
    assert entry.expires is None and "expires" not in lines[2]


@pytest.mark.parametrize("value,message", [("soon", "ISO 8601"), ("2020-01-01", "already past")])
def test_tokens_new_refuses_a_bad_or_past_expiry(value, message):
    result, _ = _new("--expires", value)
    assert result.exit_code == 2 and message in result.output and "cgv_" not in result.output


def test_format_expiry_is_utc_with_a_t():
    when = datetime(2027, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert format_expiry(when) == "2027-01-01T10:00:00Z"
