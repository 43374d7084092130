"""`dbgpt doctor`: check the environment and say what to fix."""

from __future__ import annotations

import socket

import typer
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


def _check_ports(settings) -> tuple[bool, str]:
    busy = [f"{what} {port}" for what, port in (("API", settings.port), ("controller", settings.controller_port),
                                                 ("worker", settings.worker_port))
            if not port_free(settings.host, port)]
    if busy:
        return False, f"in use: {', '.join(busy)} (a running `dbgpt serve`, or set DBGPT_PORT etc.)"
    return True, "free"


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
    console.print(table)
    if not all(ok for _n, ok, _d in rows):
        raise typer.Exit(1)
