"""Request dependencies shared by the API and the pages: what a request works with, and who is calling.

The app factory (service.app) puts the long-lived objects on `app.state`;
this module is the only other place that reads it. A route names what it
needs in its signature with the typed dependencies below (`StoreDep`,
`ServingDep`, ...), so a reader sees its inputs without reading its body.
`ServingDep` leases the served snapshot (service.serving) for the whole
request: the rule base version a request starts with is the one it uses and
logs, even when another version is activated meanwhile.

A caller shows a token as `Authorization: Bearer <token>` (API clients) or in
the `cogov_token` cookie (browsers). In local mode (no tokens configured)
every caller is the one local user with every role; the CLI refuses to bind
anything but loopback in that mode, so "everyone" means "this machine".
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from engine import RuleBase
from service.auth import LOCAL, ROLES, TokenRegistry
from service.log import DecisionStore
from service.log.group_commit import GroupCommit
from service.serving import Activator, Serving
from service.settings import Settings
from service.workers import EnginePool

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
    registry = tokens_of(request)
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


# -- what a request works with ---------------------------------------------------------------------------
# Plain functions first (for helpers that hold a request but are not routes: the page layout, the error
# handlers), then the dependencies built on them. They are async: FastAPI would run a plain `def` in its
# thread pool, a thread hand-off per request for an attribute read.

def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def store_of(request: Request) -> DecisionStore:
    return request.app.state.store


def tokens_of(request: Request) -> TokenRegistry:
    return request.app.state.tokens


def serving_now(request: Request) -> Serving:
    """The snapshot serving at this moment, without a lease: for a glance (the version a page shows).
    Anything that evaluates or answers from the rule base takes ServingDep instead."""
    return request.app.state.activator.current


async def get_settings(request: Request) -> Settings:
    return settings_of(request)


async def get_store(request: Request) -> DecisionStore:
    return store_of(request)


async def get_tokens(request: Request) -> TokenRegistry:
    return tokens_of(request)


async def get_log_writer(request: Request) -> GroupCommit:
    return request.app.state.log_writer


async def get_activator(request: Request) -> Activator:
    return request.app.state.activator


async def request_serving(request: Request) -> Serving:
    """The snapshot serving when the request started; FastAPI caches it per request, so every dependency
    below sees the same one."""
    return serving_now(request)


async def leased_serving(serving: Annotated[Serving, Depends(request_serving)]) -> AsyncIterator[Serving]:
    """The request's snapshot, held until the request is done: its pool is not retired meanwhile."""
    with serving.lease():
        yield serving


async def request_rulebase(serving: Annotated[Serving, Depends(request_serving)]) -> RuleBase:
    """The request's rule base. No lease: a rule base is immutable data that outlives its retired pool,
    so a long read (an impact run, a replay) does not keep old workers alive."""
    return serving.rulebase


async def leased_pool(serving: Annotated[Serving, Depends(leased_serving)]) -> EnginePool:
    return serving.pool


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[DecisionStore, Depends(get_store)]
TokensDep = Annotated[TokenRegistry, Depends(get_tokens)]
LogWriterDep = Annotated[GroupCommit, Depends(get_log_writer)]
ActivatorDep = Annotated[Activator, Depends(get_activator)]
ServingDep = Annotated[Serving, Depends(leased_serving)]      # leased; one lease per request however many ask
RuleBaseDep = Annotated[RuleBase, Depends(request_rulebase)]  # the request's snapshot's rule base
PoolDep = Annotated[EnginePool, Depends(leased_pool)]         # the leased snapshot's engine pool
