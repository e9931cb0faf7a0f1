"""The service's configuration: one typed object, read from the environment.

Every knob lives here so the app, the CLI and the tests agree on names and
defaults, and a bad value is refused at startup naming its variable instead
of failing later inside a request.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_DATABASE_URL = "sqlite:///./var/cogov.db"
DEFAULT_RULES = Path(__file__).resolve().parents[1] / "rules"   # the shipped rule base
DEFAULT_MAX_BODY_BYTES = 256 * 1024

# environment variable -> Settings field
ENV_VARS: dict[str, str] = {
    "COGOV_DATABASE_URL": "database_url",
    "COGOV_RULES_DIR": "rules_dir",
    "COGOV_TOKENS_FILE": "tokens_file",
    "COGOV_TOKENS": "tokens",
    "COGOV_MAX_BODY_BYTES": "max_body_bytes",
    "COGOV_EVAL_TIMEOUT": "eval_timeout",
    "COGOV_WORKERS": "workers",
    "COGOV_PERSONAL_FIELDS": "personal_fields",
    "COGOV_REDACT": "redact",
    "COGOV_RETENTION_DAYS": "retention_days",
    "COGOV_RULES_CHECK_TIMEOUT": "rules_check_timeout",
    "COGOV_RULES_AT_START": "rules_at_start",
    "COGOV_ALLOWED_HOSTS": "allowed_hosts",
    "COGOV_ALLOWED_ORIGINS": "allowed_origins",
    "COGOV_REQUEST_TIMEOUT": "request_timeout",
    "COGOV_REPLICA_POLL_SECONDS": "replica_poll_seconds",
}
FIELD_ENV = {field: var for var, field in ENV_VARS.items()}


class SettingsError(ValueError):
    """A setting has a value the service cannot run with; names the variable."""


def _default_workers() -> int:
    # One engine process per core, capped: each holds its own durable_rules
    # network and a few of them saturate a small machine.
    return max(1, min(4, os.cpu_count() or 1))


def default_rules_dir() -> Path:
    """COGOV_RULES_DIR, else the shipped rules/: the service's default and every CLI command's."""
    return Path(os.environ.get("COGOV_RULES_DIR", DEFAULT_RULES))


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (psycopg2 is not a dependency)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Settings(BaseModel):
    """Everything `cogov serve` can be told; see ENV_VARS for the variables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the decision log.")
    rules_dir: Path = Field(default_factory=default_rules_dir, description="Rule base directory.")
    tokens_file: Path | None = Field(None, description="YAML/JSON file of hashed API tokens.")
    tokens: str | None = Field(None, description="Hashed API tokens, 'name:role:sha256hex[:expires]' separated "
                               "by commas (an expiry is written without spaces: 2027-01-31 or 2027-01-31T18:00Z).")
    max_body_bytes: int = Field(DEFAULT_MAX_BODY_BYTES, ge=1024, description="Largest request body accepted.")
    eval_timeout: float = Field(10.0, gt=0, le=600, description="Seconds one evaluation may take in a worker.")
    workers: int = Field(default_factory=_default_workers, ge=1, le=64, description="Engine worker processes.")
    worker_start_timeout: float = Field(60.0, gt=0, description="Seconds a new worker may take to become ready.")
    rules_check_timeout: float = Field(30.0, gt=0, le=3600, description="Seconds a candidate rule base may take "
                                       "to validate and compile (in a separate process) before it is refused.")
    rules_at_start: Literal["directory", "last"] = Field(
        "directory", description="What serves after a (re)start: the rules directory, or the last version "
                                 "activated through the API (falling back to the directory when there is none).")
    replica_poll_seconds: float = Field(5.0, ge=0, le=3600, description="Seconds between two checks of the "
                                        "log's latest activation, which this replica then serves when another "
                                        "recorded it (on PostgreSQL besides LISTEN/NOTIFY, which is immediate; "
                                        "0: no periodic check).")
    personal_fields: str | None = Field(None, description="JSON pointers (comma-separated, * matches any item) "
                                        "of personal fields: committed in the log, removable by retention.")
    redact: str | None = Field(None, description="JSON pointers of fields never stored: only their commitment is.")
    retention_days: int | None = Field(None, ge=1, description="Days after which `cogov audit retention` removes "
                                       "a decision's personal fields.")
    allowed_hosts: str | None = Field(None, description="Host names (comma-separated, no port) accepted in the Host "
                                      "header besides loopback ones. In local mode the Host is always checked "
                                      "(against DNS rebinding); with tokens only when this is set.")
    allowed_origins: str | None = Field(None, description="Origins (scheme://host[:port], comma-separated) of web "
                                        "pages allowed to call the API across sites (CORS) and to send it POSTs; "
                                        "any other Origin than the service's own is refused (403).")
    request_timeout: float = Field(30.0, gt=0, le=3600, description="Seconds a client may take to send a request's "
                                   "headers, and then its body: the connection is closed, or answered 408.")
    host: str = Field("127.0.0.1", description="Interface to bind.")
    port: int = Field(8000, ge=0, le=65535, description="TCP port to bind.")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Settings from COGOV_* variables, then explicit overrides (None = not given)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for var, field in ENV_VARS.items():
            raw = env.get(var)
            if raw is not None and raw.strip() != "":
                values[field] = raw.strip()
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            settings = cls(**values)
        except ValidationError as exc:
            problems = []
            for err in exc.errors(include_url=False):
                field = str(err["loc"][0]) if err["loc"] else "?"
                problems.append(f"{FIELD_ENV.get(field, field)}: {err['msg']}")
            raise SettingsError("invalid settings: " + "; ".join(problems)) from None
        return settings

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return normalise_database_url(value.strip())

    @field_validator("personal_fields", "redact")
    @classmethod
    def _pointers(cls, value: str | None) -> str | None:
        from service.log.privacy import parse_pointer, split_pointers
        for pointer in split_pointers(value):
            parse_pointer(pointer)   # PointerError is a ValueError: reported naming the variable
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: str | None) -> str | None:
        from service.hosts import parse_allowed_hosts
        parse_allowed_hosts(value)   # ValueError: reported naming the variable
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: str | None) -> str | None:
        from service.hosts import parse_allowed_origins
        parse_allowed_origins(value)   # ValueError: reported naming the variable
        return value

    @property
    def allowed_origin_set(self) -> frozenset[tuple[str, str, int]]:
        """The origins of allowed_origins as (scheme, host, port), canonical (see service.hosts)."""
        from service.hosts import parse_allowed_origins
        return parse_allowed_origins(self.allowed_origins)

    @property
    def allowed_host_names(self) -> frozenset[str]:
        """The names of allowed_hosts, canonical (see service.hosts)."""
        from service.hosts import parse_allowed_hosts
        return parse_allowed_hosts(self.allowed_hosts)

    @property
    def privacy(self):
        """The decision log's PrivacyPolicy from personal_fields and redact."""
        from service.log.privacy import PrivacyPolicy, split_pointers
        return PrivacyPolicy(split_pointers(self.personal_fields), split_pointers(self.redact))
