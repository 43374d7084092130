"""What a handler needs, as typed dependencies: the caller, their rights, the app's services.

Handlers name these in their signatures (`user: CurrentUser`, `databases:
DatabasesDep`) instead of reading `request.app.state`, so a route states in
one line who may call it and what it touches.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from connectors.types import GuardRefusal
from server.api.errors import ApiError
from server.auth.audit import AuditEntry, AuditLog
from server.auth.login_throttle import LoginThrottle
from server.auth.users import User, UserStore
from server.conversations import Conversations
from server.databases import DEMO, DatabaseCatalog, is_url, is_url_key
from server.knowledge_warmup import KnowledgeWarmup
from server.settings import Settings

SESSION_COOKIE = "dbgpt_session"


@dataclass
class Services:
    """Everything the app holds for the length of its life; built once in create_app."""

    settings: Settings
    databases: DatabaseCatalog
    knowledge: Any
    llm: Any
    users: UserStore
    audit: AuditLog
    conversations: Conversations
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    warmup: KnowledgeWarmup | None = None  # background knowledge syncs (server/knowledge_warmup.py)
    in_flight: Counter = field(default_factory=Counter)
    in_flight_lock: threading.Lock = field(default_factory=threading.Lock)


def build_services(settings: Settings, llm=None, knowledge=None) -> Services:
    """The app's services over the data dir: for the API (create_app) and for `dbgpt mcp`.

    Knowledge loads its embedder and store on first use, and the model client
    connects at its first request, so nothing here waits on either."""
    from llm.client import ControllerClient
    from server.metadata import bootstrap_admin, open_knowledge, open_metadata, open_registry, open_users

    settings.ensure_dirs()
    engine = open_metadata(settings)
    llm = llm or ControllerClient(settings.resolved_controller_url, settings.model_name,
                                  secret=settings.resolve_cluster_secret(), timeout_s=settings.llm_timeout_s,
                                  attempts=settings.llm_attempts)
    users = open_users(settings, engine)
    bootstrap_admin(settings, users)
    databases = DatabaseCatalog(settings, open_registry(settings, engine))
    knowledge = knowledge or open_knowledge(settings, engine)
    return Services(settings=settings, databases=databases, knowledge=knowledge, llm=llm, users=users,
                    warmup=KnowledgeWarmup(databases, knowledge, enabled=settings.warm_knowledge),
                    audit=AuditLog(engine), conversations=Conversations(engine),
                    login_throttle=LoginThrottle(max_per_name=settings.login_max_failures,
                                                 max_per_client=4 * settings.login_max_failures,
                                                 window_s=settings.login_window_s))


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(services: ServicesDep) -> Settings:
    return services.settings


def get_databases(services: ServicesDep) -> DatabaseCatalog:
    return services.databases


def get_knowledge(services: ServicesDep):
    return services.knowledge


def get_llm(services: ServicesDep):
    return services.llm


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabasesDep = Annotated[DatabaseCatalog, Depends(get_databases)]
KnowledgeDep = Annotated[Any, Depends(get_knowledge)]
LLMDep = Annotated[Any, Depends(get_llm)]


# Who is calling ----------------------------------------------------------------------
def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def identify(request: Request, users: UserStore) -> User | None:
    """The user behind an API key (Authorization: Bearer) or a browser session cookie."""
    token = bearer_token(request)
    if token is not None:
        return users.user_for_key(token)
    cookie = request.cookies.get(SESSION_COOKIE)
    return users.user_for_session(cookie) if cookie else None


async def current_user(request: Request, services: ServicesDep) -> User:
    user = await asyncio.to_thread(identify, request, services.users)
    if user is None:
        raise ApiError(401, "sign in first: send 'Authorization: Bearer <API key>' or open the login page",
                       headers={"WWW-Authenticate": "Bearer"})
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise ApiError(403, f"this needs the admin role; '{user.name}' is an {user.role}")
    return user


AdminUser = Annotated[User, Depends(require_admin)]


# What the caller may touch ---------------------------------------------------------
class NoGrant(ApiError):
    """A signed-in caller asked for a database or space they may not use: a 403 that is always audited,
    so that an admin sees who tried what."""

    def __init__(self, detail: str, db: str | None = None):
        super().__init__(403, detail)
        self.db = db


@dataclass
class Access:
    """The caller's rights over databases and knowledge spaces, checked before any work."""

    user: User
    services: Services

    def db(self, name: str | None) -> str:
        """The database a request means (the default when none is named), if the caller may use it.

        A registered name comes back as it is. An unregistered URL (admins, with DBGPT_ALLOW_URLS=1)
        comes back as the key the catalog knows it by from now on, a digest without its password,
        so that no URL is kept in knowledge, the audit log or anywhere else."""
        name = name or self.services.settings.default_db
        if is_url(name) or is_url_key(name):
            if not (self.user.is_admin and self.services.settings.allow_urls):
                raise NoGrant("over HTTP a database is named by its registered name; an admin registers "
                              "it first (ad-hoc URLs need the admin role and DBGPT_ALLOW_URLS=1)")
            return self.services.databases.remember(name) if is_url(name) else name
        if name != DEMO and not self.user.may_use_db(name):
            raise NoGrant(f"'{self.user.name}' has no grant for database '{name}'", db=name)
        return name

    async def connector(self, name: str | None):
        """The kept connector of a database the caller may use; opened (confined) on first use."""
        return await self.services.databases.aconnector(self.db(name))

    def space(self, name: str) -> str:
        if not self.user.may_use_space(name):
            raise NoGrant(f"'{self.user.name}' has no grant for knowledge space '{name}'")
        return name

    def spaces(self, existing: list[str]) -> list[str]:
        """The spaces a question over 'every space' may read."""
        return [s for s in existing if self.user.may_use_space(s)]


def get_access(user: CurrentUser, services: ServicesDep) -> Access:
    return Access(user, services)


AccessDep = Annotated[Access, Depends(get_access)]


# Requests that reach a database or the model: bounded per user, and audited ---------
@asynccontextmanager
async def audit_scope(services: Services, user: User, route: str) -> AsyncIterator[AuditEntry]:
    """One request of `user`'s that may reach a database or the model: refused with 429 past the
    user's limit of requests in flight, and written to the audit log when it ends, whatever its outcome.
    REST routes enter it through AuditDep; MCP tools (server/mcp) enter it themselves."""
    limit = services.settings.max_in_flight_per_user
    with services.in_flight_lock:
        if services.in_flight[user.name] >= limit:
            raise ApiError(429, f"'{user.name}' already has {limit} requests running; try again when one ends",
                           headers={"Retry-After": "2"})
        services.in_flight[user.name] += 1
    entry = AuditEntry(user=user.name, route=route)
    try:
        yield entry
    except GuardRefusal as exc:
        entry.outcome, entry.rule, entry.detail = "refused", exc.rule, str(exc)
        raise
    except ApiError as exc:
        entry.outcome, entry.detail = ("denied" if exc.status in (401, 403) else "error"), exc.detail
        if isinstance(exc, NoGrant):
            entry.relevant = True
            entry.db = entry.db or exc.db
        raise
    except Exception as exc:
        entry.outcome, entry.detail = "error", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with services.in_flight_lock:
            services.in_flight[user.name] -= 1
            if services.in_flight[user.name] <= 0:
                del services.in_flight[user.name]
        await asyncio.to_thread(services.audit.write, entry)


async def audited(request: Request, user: CurrentUser, services: ServicesDep) -> AsyncIterator[AuditEntry]:
    async with audit_scope(services, user, f"{request.method} {request.url.path}") as entry:
        yield entry


AuditDep = Annotated[AuditEntry, Depends(audited)]
