"""API tokens: who is calling, and in which role.

Tokens are configured hashed (sha256 of the token) so a leaked configuration
file or environment dump does not hand out working credentials. A token maps
to exactly one role; a person who needs two roles gets two tokens.
A token may carry an expiry (`expires`, an ISO 8601 date or time, UTC unless
it says otherwise; a date means 00:00 UTC that day): from then on it is
refused with 401 "expired API token", so a leaked or forgotten token stops
working on its own. In COGOV_TOKENS, where spaces separate entries, the date
and time are joined by `T` (2027-01-31T18:00Z); an expiry written with a space
there is refused naming its entry, never read as two entries or as the date
alone. A tokens file takes either form. Errors never show a hash or a token.
With no token configured at all the service runs in local mode (see deps.py).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path

import yaml

MANAGER, AUDITOR, AUTHOR = "manager", "auditor", "author"
# records evaluations of what happened after any decision (service/evidence), as an independent evaluator would
EVALUATOR = "evaluator"
ROLES: tuple[str, ...] = (MANAGER, AUDITOR, AUTHOR, EVALUATOR)
LOCAL = "local"

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")


class TokenConfigError(ValueError):
    """The token configuration is unusable; the message says where and why."""


def hash_token(token: str) -> str:
    """The hex sha256 of a token, as it is written in the configuration."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return "cgv_" + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class TokenEntry:
    name: str
    role: str
    sha256: str
    expires: datetime | None = None     # aware, UTC

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires is not None and (now or datetime.now(timezone.utc)) >= self.expires


# What an expiry is made of; anything else in a bad expiry is not echoed in errors (it may be a hash or a token).
_EXPIRY_CHARS = re.compile(r"^[0-9TtZz:.,+\- ]{1,40}$")
# A date, or a date and a time joined by one T or one space.
_DATE_TIME = re.compile(r"^([^Tt ]+)(?:[Tt ]([^ ]+))?$")
# A time or a UTC offset standing alone in COGOV_TOKENS: the rest of the previous entry's expiry after a space.
_TIME_PART = re.compile(r"^(?:\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$")


def _shown(value: object) -> str:
    text = str(value)
    return repr(text) if _EXPIRY_CHARS.match(text) else "a value that is not a date"


def parse_expiry(value: object, where: str) -> datetime | None:
    """An `expires` value (ISO date or datetime, or what YAML made of one) as an aware UTC datetime.

    Strings: a date (2027-01-31: 00:00 UTC that day) or a date and time joined by T or one space
    (2027-01-31T18:00, 2027-01-31 18:00:00+02:00, Z for UTC), UTC when no offset is given."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        parts = _DATE_TIME.match(value.strip())
        try:
            if parts is None:
                raise ValueError(value)
            day, clock = parts.groups()
            value = date.fromisoformat(day) if clock is None else \
                datetime.fromisoformat(f"{day}T{clock.upper().replace('Z', '+00:00')}")
        except ValueError:
            raise TokenConfigError(f"{where}: expires must be an ISO 8601 date or time such as 2027-01-31 or "
                                   f"2027-01-31T18:00:00Z (got {_shown(value)})") from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=timezone.utc)
    raise TokenConfigError(f"{where}: expires must be an ISO 8601 date or time (got {_shown(value)})")


def format_expiry(expires: datetime) -> str:
    """An expiry as written in configuration: UTC, date and time joined by T, e.g. 2027-01-31T18:00:00Z."""
    return expires.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _entry(name: object, role: object, digest: object, where: str, expires: object = None) -> TokenEntry:
    if not isinstance(name, str) or not _NAME.match(name):
        raise TokenConfigError(f"{where}: name must be 1-100 letters, digits or _.@- (got {name!r})")
    if role not in ROLES:
        raise TokenConfigError(f"{where}: role must be one of {', '.join(ROLES)} (got {role!r})")
    digest = str(digest or "").strip().lower().removeprefix("sha256:")
    if not _HEX64.match(digest):
        raise TokenConfigError(f"{where}: sha256 must be 64 hex digits (the hash of the token, "
                               "not the token itself)")
    return TokenEntry(name, str(role), digest, parse_expiry(expires, where))


def parse_env_tokens(spec: str) -> list[TokenEntry]:
    """Entries of COGOV_TOKENS: 'name:role:sha256hex[:expires]', separated by commas or whitespace.

    Whitespace separates entries, so an expiry has no space in it (2027-01-31T18:00Z): a time or
    offset standing alone right after an entry with an expiry is refused naming that entry."""
    entries: list[TokenEntry] = []
    last_expiry, last_where = "", ""
    for i, item in enumerate(re.split(r"[,\s]+", spec.strip()), start=1):
        if not item:
            continue
        if last_expiry and _TIME_PART.match(item):
            raise TokenConfigError(
                f"{last_where}: its expiry is written with a space ({_shown(last_expiry + ' ' + item)}), but spaces "
                f"separate entries in COGOV_TOKENS: join the date and the time with T "
                f"({_shown(last_expiry + ('' if _DATE_TIME.match(last_expiry).group(2) else 'T') + item)}), "
                f"or put the token in a tokens file")
        parts = item.split(":", 2)
        if len(parts) != 3:
            raise TokenConfigError(f"COGOV_TOKENS entry {i}: expected name:role:sha256hex[:expires]")
        where = f"COGOV_TOKENS entry {i}" + (f" ({parts[0]})" if _NAME.match(parts[0]) else "")
        rest = parts[2]
        if rest.lower().startswith("sha256:"):
            rest = rest[len("sha256:"):]
        digest, _, expires = rest.partition(":")
        entries.append(_entry(parts[0], parts[1], digest, where=where, expires=expires or None))
        last_expiry, last_where = expires, where
    return entries


def read_tokens_file(path: Path) -> list[TokenEntry]:
    """Entries of a tokens file: YAML or JSON, `tokens: [{name, role, sha256, expires?}, ...]`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TokenConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise TokenConfigError(f"{path}: not valid YAML/JSON: {exc}") from None
    items = data.get("tokens") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise TokenConfigError(f"{path}: expected a mapping with a 'tokens' list")
    entries = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise TokenConfigError(f"{path}: tokens entry {i}: expected a mapping with name, role, sha256")
        name = item.get("name")
        where = f"{path}: tokens entry {i}" + (f" ({name})" if isinstance(name, str) and _NAME.match(name) else "")
        entries.append(_entry(name, item.get("role"), item.get("sha256"), where, item.get("expires")))
    return entries


class TokenRegistry:
    """Looks up a presented token by its hash."""

    def __init__(self, entries: list[TokenEntry]):
        self._by_hash: dict[str, TokenEntry] = {}
        for entry in entries:
            if entry.sha256 in self._by_hash:
                raise TokenConfigError(f"the same token hash is configured twice ({entry.name} and "
                                       f"{self._by_hash[entry.sha256].name})")
            self._by_hash[entry.sha256] = entry

    @classmethod
    def from_settings(cls, tokens_file: Path | None, tokens: str | None) -> "TokenRegistry":
        entries: list[TokenEntry] = []
        if tokens_file is not None:
            entries += read_tokens_file(tokens_file)
        if tokens:
            entries += parse_env_tokens(tokens)
        return cls(entries)

    @property
    def local_mode(self) -> bool:
        """No tokens configured: the service trusts every caller (loopback only)."""
        return not self._by_hash

    def __len__(self) -> int:
        return len(self._by_hash)

    def lookup(self, token: str) -> TokenEntry | None:
        # The dict is keyed by a hash of the secret, so lookup time reveals
        # nothing useful about the token itself.
        return self._by_hash.get(hash_token(token))
