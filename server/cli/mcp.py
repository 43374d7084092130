"""`dbgpt mcp`: DB-GPT's MCP server over stdio, for desktop and IDE clients.

The client starts it as a command and talks over its standard input and output. It acts
as one user, so that user's grants apply; the model is the one the running stack serves
(the controller in the settings), so start `dbgpt serve` for the tools that need it.
"""

from __future__ import annotations

import typer

from server.cli.common import console, fail, load_settings


def mcp(user: str = typer.Option(None, help="Act as this user (default: the local admin, created on first "
                                            "start as with `dbgpt serve`).")) -> None:
    """Serve DB-GPT's tools to an MCP client over stdio (the client runs this command)."""
    from demo.build import build_demo_db
    from server.api.deps import build_services
    from server.auth.users import UserNotFound
    from server.cli.users import first_admin
    from server.mcp import build_server

    settings = load_settings()
    services = build_services(settings)
    name = user or first_admin(services.users)
    try:
        services.users.get(name)
    except UserNotFound as exc:
        raise fail(f"{exc}; `dbgpt user list` shows who there is", code=2) from exc
    build_demo_db(settings.demo_db_path)
    console.print(f"DB-GPT MCP server on stdio, acting as {name}")
    # The user is read again for every request, so a grant given or taken meanwhile counts at once.
    server = build_server(services, lambda _request: services.users.get(name))
    try:
        server.run("stdio")
    finally:
        services.databases.close()
        services.knowledge.close()
