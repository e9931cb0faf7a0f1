"""Request dependencies shared by the API and the pages: who is calling.

A caller shows a token as `Authorization: Bearer <token>` (API clients) or in
the `cogov_token` cookie (browsers). In local mode (no tokens configured)
every caller is the one local user with every role; the CLI refuses to bind
anything but loopback in that mode, so "everyone" means "this machine".
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import HTTPException, Request, status

from service.auth import LOCAL, ROLES, TokenRegistry

COOKIE = "cogov_token"


@dataclass(frozen=True)
class Identity:
    """The authenticated caller: a name for the decision log and a role."""

    name: str
    role: str
    roles: frozenset[str] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not self.roles:
            object.__setattr__(self, "roles", frozenset({self.role}))

    @property
    def is_local(self) -> bool:
        return self.role == LOCAL

    def has(self, *roles: str) -> bool:
        """True if the caller holds any of `roles`."""
        return bool(self.roles.intersection(roles))


LOCAL_IDENTITY = Identity(name=LOCAL, role=LOCAL, roles=frozenset(ROLES))


class AuthError(HTTPException):
    """401: no usable token. Carries the Bearer challenge the HTTP spec asks for."""

    def __init__(self, detail: str):
        super().__init__(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def _presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("malformed Authorization header: expected 'Bearer <token>'")
        return token.strip()
    return request.cookies.get(COOKIE) or None


def identity_from_request(request: Request) -> Identity:
    """The caller's identity; raises AuthError (401) for a missing or unknown token."""
    registry: TokenRegistry = request.app.state.tokens
    if registry.local_mode:
        return LOCAL_IDENTITY
    token = _presented_token(request)
    if token is None:
        raise AuthError("missing API token: send 'Authorization: Bearer <token>'")
    entry = registry.lookup(token)
    if entry is None:
        raise AuthError("unknown API token")
    if entry.expired():
        raise AuthError("expired API token")
    return Identity(name=entry.name, role=entry.role)


def optional_identity(request: Request) -> Identity | None:
    """The caller's identity, or None where identity_from_request would say 401."""
    try:
        return identity_from_request(request)
    except AuthError:
        return None


def require_roles(*roles: str) -> Callable[[Request], Awaitable[Identity]]:
    """A dependency admitting callers that hold any of `roles` (403 otherwise)."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"require_roles takes roles from {ROLES}, got {roles}")
    wanted = " or ".join(roles)

    async def dependency(request: Request) -> Identity:
        # async although it awaits nothing: FastAPI runs a plain `def` dependency in its thread pool,
        # a thread hand-off per request for a dictionary lookup
        identity = identity_from_request(request)
        if not identity.has(*roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"this needs the {wanted} role; {identity.name} has the {identity.role} role")
        return identity

    dependency.__name__ = f"require_{'_or_'.join(roles)}"
    return dependency
