"""`dbgpt user ...`, `dbgpt key ...`, `dbgpt audit` and `dbgpt login-url`.

They act on DBGPT_DATA_DIR directly: whoever can read that folder already
owns everything in it, so the local shell needs no credential.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone

import typer
from rich.console import Console
from rich.table import Table

from server.auth.audit import AuditLog
from server.auth.users import AuthError
from server.cli.common import console, fail, load_settings
from server.metadata import open_metadata, open_users

user_app = typer.Typer(help="Users, their roles and grants.", no_args_is_help=True)
key_app = typer.Typer(help="API keys (Authorization: Bearer KEY).", no_args_is_help=True)


def _users():
    settings = load_settings()
    settings.ensure_dirs()
    return open_users(settings)


def _act(action):
    try:
        return action()
    except AuthError as exc:
        raise fail(str(exc), code=2) from exc


@user_app.command("add")
def user_add(name: str, role: str = typer.Option("analyst", help="admin or analyst"),
             password_stdin: bool = typer.Option(False, help="Read a password (to sign in on the page) "
                                                             "from standard input.")) -> None:
    """Add a user; without a password they sign in with an API key or a one-time link."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    store = _users()
    user = _act(lambda: store.add(name, role))
    if password:
        _act(lambda: store.set_password(name, password))
    console.print(f"[green]added[/] {user.name} ({user.role})")


@user_app.command("password")
def user_password(name: str) -> None:
    """Set a user's password, read from standard input."""
    password = sys.stdin.readline().rstrip("\n")
    _act(lambda: _users().set_password(name, password))
    console.print(f"[green]password set[/] for {name}")


@user_app.command("list")
def user_list() -> None:
    table = Table("name", "role", "databases", "spaces")
    for user in _users().list():
        table.add_row(user.name, user.role, ", ".join(sorted(user.databases)) or "-",
                      ", ".join(sorted(user.spaces)) or "-")
    Console().print(table)


@user_app.command("remove")
def user_remove(name: str) -> None:
    _act(lambda: _users().remove(name))
    console.print(f"[green]removed[/] {name}")


def _grant_target(db: str | None, space: str | None) -> tuple[str, str]:
    if (db is None) == (space is None):
        raise fail("give exactly one of --db DB or --space SPACE", code=2)
    return ("db", db) if db is not None else ("space", space)


@user_app.command("grant")
def user_grant(name: str, db: str = typer.Option(None, help="A registered database."),
               space: str = typer.Option(None, help="A knowledge space.")) -> None:
    """Let an analyst use one database or knowledge space."""
    kind, target = _grant_target(db, space)
    user = _act(lambda: _users().grant(name, kind, target))
    console.print(f"[green]granted[/] {kind} {target} to {user.name}")


@user_app.command("revoke")
def user_revoke(name: str, db: str = typer.Option(None), space: str = typer.Option(None)) -> None:
    kind, target = _grant_target(db, space)
    user = _act(lambda: _users().revoke(name, kind, target))
    console.print(f"[green]revoked[/] {kind} {target} from {user.name}")


@key_app.command("create")
def key_create(user: str = typer.Option(..., help="Whose key it is."),
               label: str = typer.Option("", help="What the key is for.")) -> None:
    """Create an API key; it is printed once, alone on the last line of standard output."""
    info, key = _act(lambda: _users().create_key(user, label))
    console.print(f"[green]key {info.id}[/] for {info.user}; store it now, it is not shown again:")
    print(key)


@key_app.command("list")
def key_list(user: str = typer.Option(None)) -> None:
    table = Table("id", "user", "label", "created", "last used", "revoked")
    for key in _users().list_keys(user):
        table.add_row(key.id, key.user, key.label, f"{key.created_at:%Y-%m-%d %H:%M}",
                      f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "-", "yes" if key.revoked else "")
    Console().print(table)


@key_app.command("revoke")
def key_revoke(key_id: str) -> None:
    _act(lambda: _users().revoke_key(key_id))
    console.print(f"[green]revoked[/] key {key_id}")


def _since(value: str | None) -> datetime | None:
    """'2026-12-01', an ISO time, or a span back from now: '30m', '12h', '7d'."""
    if not value:
        return None
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if value[-1:] in units and value[:-1].isdigit():
        return datetime.now(timezone.utc) - timedelta(**{units[value[-1]]: int(value[:-1])})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--since takes a date, an ISO time or a span such as 12h or 7d, not '{value}'", code=2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def audit(since: str = typer.Option(None, help="A date, an ISO time, or a span back from now: 30m, 12h, 7d."),
          user: str = typer.Option(None), db: str = typer.Option(None),
          limit: int = typer.Option(100, min=1), as_json: bool = typer.Option(False, "--json")) -> None:
    """The audit log, newest first: who asked what of which database, the SQL, the outcome."""
    settings = load_settings()
    entries = AuditLog(open_metadata(settings)).query(limit=limit, user=user, db=db, since=_since(since))
    if as_json:
        print(json.dumps(entries, indent=2))
        return
    table = Table("time", "user", "route", "db", "outcome", "rows", "ms", "sql / question")
    for e in entries:
        what = e["sql"] or e["question"] or ""
        outcome = e["outcome"] + (f" ({e['rule']})" if e["rule"] else "")
        table.add_row(e["at"][:19], e["user"], e["route"], e["db"] or "", outcome,
                      "" if e["row_count"] is None else str(e["row_count"]), f"{e['duration_ms']:.0f}", what[:80])
    Console().print(table)


def login_url(user: str = typer.Option(None, help="Whose browser signs in (default: the first admin).")) -> None:
    """Print a one-time URL that signs a browser in (valid for DBGPT_LOGIN_TOKEN_TTL_S)."""
    settings = load_settings()
    settings.ensure_dirs()
    print(one_time_url(settings, user))


def first_admin(store) -> str:
    """The local admin: the first admin by name; one named 'admin' is created if there is none."""
    admins = [u.name for u in store.list() if u.is_admin]
    if admins:
        return admins[0]
    try:
        store.add("admin", "admin")
    except AuthError:
        pass  # made by another process at the same moment
    return "admin"


def one_time_url(settings, user: str | None = None) -> str:
    """A one-time sign-in URL for `user` (default: the first admin; one named 'admin' is created if none)."""
    store = open_users(settings)
    user = user or first_admin(store)
    token = _act(lambda: store.create_login_token(user, settings.login_token_ttl_s))
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}/?token={token}"
