"""DB-GPT as an MCP server, for other agents: its tools, each database's schema as a
resource, and a prompt that analyses a table.

One server, two transports: `dbgpt mcp` (stdio, server/cli/mcp.py) acts as one user;
`/mcp` on the API (streamable HTTP, server/mcp/http.py) acts as the user whose API key
came with each request. Either way grants, the statement guard, limits and the audit
log apply as they do to the REST API, because the tools call the REST routes' own code.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp_types import CallToolResult, ListResourcesResult, Resource

from server.api.deps import Services
from server.mcp.tools import Caller, Tools

SCHEMA_URI = "dbgpt://databases/{db}/schema"

INSTRUCTIONS = (
    "DB-GPT answers questions about your databases and documents, locally. Start with list_databases, "
    "then describe_schema; generate_sql turns a question into checked, read-only SQL and its rows; run_sql "
    "runs your own read-only SQL; diagnose_sql reviews a statement; search_documents and ask_documents "
    "read the knowledge spaces, with citations."
)


class _Server(MCPServer):
    """MCPServer whose resource list is the caller's: one schema per database they may use.

    It replaces the SDK's handler of resources/list (mcp 2.3.0, pinned), which knows no caller;
    tests/server/mcp check the list per user, so a change in the SDK shows there."""

    def __init__(self, tools: Tools, **options: Any):
        self.tools = tools
        super().__init__(**options)

    async def _handle_list_resources(self, ctx, params) -> ListResourcesResult:
        user = await asyncio.to_thread(self.tools.caller, ctx.request)
        databases = await self.tools.databases(user)
        return ListResourcesResult(resources=[
            Resource(uri=SCHEMA_URI.format(db=d["name"]), name=f"{d['name']} schema", mime_type="application/json",
                     description=f"Tables, columns, keys and descriptions of the database '{d['name']}'.")
            for d in databases])


def _analyse_table(table: str, db: str | None = None) -> str:
    where = f"the database '{db}'" if db else "the default database"
    named = f", db='{db}'" if db else ""
    return (
        f"Analyse the table '{table}' of {where} with the DB-GPT tools.\n"
        f"1. Call describe_schema(table='{table}'{named}) and say what the table holds, its key and "
        "what it references or is referenced by.\n"
        "2. With run_sql (read-only), measure it: the row count; per column the share of NULLs and the number "
        "of distinct values; the range of numbers and dates; the most frequent values of text columns with "
        "few distinct values.\n"
        "3. Look for problems: duplicate keys, orphaned foreign keys, outliers, columns that are always empty.\n"
        "Report each finding with the SQL that shows it and its result. Never try to change data."
    )


def build_server(services: Services, caller: Caller) -> MCPServer:
    """The MCP server over the app's services; `caller(request)` names the user of each request
    (`request` is the HTTP request, None over stdio)."""
    tools = Tools(services, caller)
    # The SDK configures the root logger when a server is made; the process's logging stays as it was.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    server = _Server(tools, name="dbgpt", title="DB-GPT", version="0.1.0", instructions=INSTRUCTIONS,
                     log_level="WARNING")
    root.handlers[:], root.level = handlers, level
    for name in Tools.TOOLS:
        server.add_tool(getattr(tools, name))

    @server.resource(SCHEMA_URI, name="schema", mime_type="application/json",
                     description="A database's tables, columns, keys and descriptions.")
    async def schema(db: str, ctx: Context) -> str:
        described = await tools.describe_schema(ctx, db=db)
        if isinstance(described, CallToolResult):  # an error, with the REST API's message
            raise ResourceError(described.content[0].text)
        return json.dumps(described, indent=1, default=str)

    server.prompt(name="analyse_table", title="Analyse this table",
                  description="Profile one table: its structure, its data and its problems, read-only.")(
        _analyse_table)
    return server
