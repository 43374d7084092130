"""`dbgpt doctor`: check the environment and say what to fix."""

from __future__ import annotations

import socket

import typer
from rich.console import Console
from rich.table import Table

from llm.model_files import cached_path, is_verified, sha256_file, spec_for
from server.cli.common import console, load_settings, local_catalog
from server.supervisor import port_free


def _check_model(settings, deep: bool) -> tuple[bool, str]:
    if settings.model_path is not None:
        ok = settings.model_path.is_file()
        return ok, f"{settings.model_path}" if ok else f"{settings.model_path} missing: fix DBGPT_MODEL_PATH"
    spec = spec_for(settings.model_name)
    path = cached_path(spec, settings.models_path)
    if not path.is_file():
        return False, f"{path} missing: run `dbgpt model pull`"
    if deep:
        ok = sha256_file(path) == spec.sha256
        return ok, "sha256 matches" if ok else "sha256 mismatch: delete the file and run `dbgpt model pull`"
    ok = is_verified(path, spec)
    return ok, "verified" if ok else "not verified: run `dbgpt model pull`"


def _our_api_answers(settings) -> bool:
    """Whether the API port is held by a DB-GPT that answers its health check (the user's own server)."""
    import httpx

    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    try:
        response = httpx.get(f"http://{host}:{settings.port}/healthz", timeout=3)
        return response.status_code in (200, 503) and "status" in response.json()
    except (httpx.HTTPError, ValueError):
        return False


def _check_ports(settings) -> tuple[bool, str]:
    busy = [f"{what} {port}" for what, port in (("API", settings.port), ("controller", settings.controller_port),
                                                 ("worker", settings.worker_port))
            if not port_free(settings.host, port)]
    if not busy:
        return True, "free"
    if _our_api_answers(settings):
        return True, f"in use by a running DB-GPT ({', '.join(busy)}): fine"
    return False, f"in use: {', '.join(busy)} by another program (stop it, or set DBGPT_PORT etc.)"


def _check_databases(settings) -> list[tuple[str, bool, str]]:
    results = []
    catalog = local_catalog(settings)
    for name in catalog.names():
        try:
            connector = catalog.connector(name)
            connector.run("SELECT 1")
            results.append((f"database {name}", True, "reachable"))
        except Exception as exc:  # any failure is a line in the report, not a crash
            results.append((f"database {name}", False, str(exc)))
    catalog.close()
    return results


def _check_offline() -> tuple[bool, str]:
    """Nothing in the product needs the network once the model is present."""
    try:
        socket.create_connection(("huggingface.co", 443), timeout=2).close()
        return True, "internet reachable (not needed: nothing is sent out)"
    except OSError:
        return True, "no internet (fine: DB-GPT needs none once the model is present)"


def doctor(deep: bool = typer.Option(False, help="Re-hash the model file (slow).")) -> None:
    """Check the model file, ports and databases; exit 1 if anything needs fixing."""
    settings = load_settings()
    rows = [("model", *_check_model(settings, deep)), ("ports", *_check_ports(settings))]
    rows += _check_databases(settings)
    rows.append(("network", *_check_offline()))
    table = Table("check", "ok", "detail")
    for name, ok, detail in rows:
        table.add_row(name, "[green]yes[/]" if ok else "[red]no[/]", detail)
    Console().print(table)  # the report is the command's output: stdout
    if not all(ok for _n, ok, _d in rows):
        raise typer.Exit(1)
