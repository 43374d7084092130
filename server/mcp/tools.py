"""The MCP tools: each one calls the very function its REST route runs, as the caller.

A tool checks the caller's grants through `Access`, enters the audit log (and the per-user
limit of requests in flight) where its route does, and answers an error with the message
the REST API gives (server/api/errors.py), as an MCP tool error (a result with isError).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent
from pydantic import Field, ValidationError

from server.api import connections as connections_api
from server.api import diagnose as diagnose_api
from server.api import knowledge as knowledge_api
from server.api import qa as qa_api
from server.api import sql as sql_api
from server.api.deps import Access, Services, audit_scope
from server.api.errors import answer_for, model_hint, unexpected_detail, validation_problems
from server.api.schemas import SqlGenerateRequest, SqlRunRequest
from server.auth.audit import AuditEntry
from server.auth.users import User
from server.mcp.schema import describe

log = logging.getLogger(__name__)

ROWS = 100  # rows a tool answers with unless the caller asks for more (never past DBGPT_ROW_LIMIT)

# The user behind a request: from its API key over HTTP, the one `dbgpt mcp --user` names over stdio.
Caller = Callable[[Any], User]

Db = Annotated[str | None, Field(description="A registered database name (list_databases); "
                                             "default: the server's default database.")]
RowLimit = Annotated[int | None, Field(ge=1, description=f"At most this many rows (default {ROWS}).")]


def tool_error(exc: Exception, settings) -> CallToolResult:
    """The REST API's answer to an error, as an MCP tool error: its message as text, and the
    body the REST API would send (detail, status, kind, rule) as structured content."""
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, p['loc'])) or 'arguments'}: {p['msg']}"
                             for p in validation_problems(exc))
        status, detail, extra = 422, f"invalid arguments: {problems}", {}
    elif (answer := answer_for(exc, lambda: model_hint(settings))) is not None:
        status, detail, extra = answer
    else:
        log.error("unexpected error in an MCP tool", exc_info=exc)
        status, detail, extra = 500, unexpected_detail(exc), {}
    return CallToolResult(content=[TextContent(type="text", text=detail)], is_error=True,
                          structured_content={"detail": detail, "status": status, **extra})


class Tools:
    def __init__(self, services: Services, caller: Caller):
        self.services = services
        self.caller = caller

    def access(self, ctx: Context) -> Access:
        return Access(self.caller(ctx.request_context.request), self.services)

    async def call(self, ctx: Context, name: str, work: Callable[[Access, AuditEntry | None], Awaitable[Any]],
                   *, audited: bool = True) -> Any:
        """`work(access, audit entry)` as the caller, audited as the REST route is; an error comes
        back as a CallToolResult with isError, which the SDK hands on as it is."""
        try:
            access = await asyncio.to_thread(self.access, ctx)
            if not audited:
                return await work(access, None)
            async with audit_scope(self.services, access.user, f"MCP {name}") as entry:
                return await work(access, entry)
        except Exception as exc:
            return tool_error(exc, self.services.settings)

    def rows(self, row_limit: int | None) -> int:
        return min(row_limit or ROWS, self.services.settings.row_limit)

    async def databases(self, user: User) -> list[dict[str, Any]]:
        """The databases `user` may use, as GET /api/v1/connections lists them."""
        services = self.services
        listed = await connections_api.list_connections(user, services.databases, services.settings)
        return [{"name": c.name, "engine": c.engine, "description": c.description} for c in listed]

    # The tools ---------------------------------------------------------------------
    async def list_databases(self, ctx: Context) -> dict[str, Any]:
        """The databases you may use: name, engine and what each holds."""
        async def work(access: Access, _audit) -> dict[str, Any]:
            return {"databases": await self.databases(access.user)}
        return await self.call(ctx, "list_databases", work, audited=False)

    async def describe_schema(
        self, ctx: Context, db: Db = None,
        table: Annotated[str | None, Field(description="One table's name.")] = None,
        search: Annotated[str | None, Field(description="Only the tables whose names or descriptions, or "
                                                        "whose columns', mention this text.")] = None,
    ) -> dict[str, Any]:
        """A database's tables with their columns, types, keys, indexes and descriptions:
        the whole schema, one table, or the tables a search term finds."""
        async def work(access: Access, audit: AuditEntry) -> dict[str, Any]:
            name = access.db(db)
            audit.touch(db=name)
            connector = await access.connector(name)
            return describe(name, await asyncio.to_thread(connector.introspect), table, search)
        return await self.call(ctx, "describe_schema", work)

    async def generate_sql(
        self, ctx: Context, question: Annotated[str, Field(description="A question in plain language.")],
        db: Db = None, execute: Annotated[bool, Field(description="Run the SQL read-only and return its "
                                                                  "rows.")] = True,
        row_limit: RowLimit = None,
    ) -> dict[str, Any]:
        """Turn a question into SQL for a database (linked schema, checked, repaired), run it
        read-only and return the SQL, its rows and the doubts that remain about it (warnings)."""
        async def work(access: Access, audit: AuditEntry) -> dict[str, Any]:
            body = SqlGenerateRequest(question=question, db=db, execute=execute, row_limit=self.rows(row_limit))
            answer = await sql_api.generate(body, access, audit)
            return answer.model_dump(mode="json", include={
                "question", "sql", "explanation", "columns", "rows", "truncated", "warnings", "error",
                "tables", "confidence"})
        return await self.call(ctx, "generate_sql", work)

    async def run_sql(
        self, ctx: Context, sql: Annotated[str, Field(description="One read-only statement (SELECT, WITH, "
                                                                  "...); anything else is refused.")],
        db: Db = None, row_limit: RowLimit = None,
    ) -> dict[str, Any]:
        """Run your own SQL read-only, through the same guard as the REST API: a write, or more
        than one statement, is refused with the rule that refused it."""
        async def work(access: Access, audit: AuditEntry) -> dict[str, Any]:
            body = SqlRunRequest(sql=sql, db=access.db(db), row_limit=self.rows(row_limit))
            result = await sql_api.run(body, access, audit)
            return result.model_dump(mode="json", include={"columns", "rows", "truncated", "elapsed_s"})
        return await self.call(ctx, "run_sql", work)

    async def diagnose_sql(
        self, ctx: Context, sql: Annotated[str, Field(description="One SQL statement to diagnose.")],
        db: Db = None,
        verify: Annotated[bool, Field(description="Check plans, indexes and rewrites on the database "
                                                  "(read-only).")] = True,
        use_model: Annotated[bool, Field(description="Let the model summarise the findings and propose "
                                                     "rewrites.")] = True,
    ) -> dict[str, Any]:
        """Diagnose one statement against a database: located findings with their evidence,
        verified index and rewrite advice, and a summary."""
        async def work(access: Access, audit: AuditEntry) -> dict[str, Any]:
            body = diagnose_api.DiagnoseRequest(sql=sql, db=db, verify=verify, use_model=use_model)
            return (await diagnose_api.diagnose(body, access, audit)).model_dump(mode="json")
        return await self.call(ctx, "diagnose_sql", work)

    async def search_documents(
        self, ctx: Context, query: Annotated[str, Field(description="What to look for.")],
        space: Annotated[str | None, Field(description="A knowledge space; every space you may read when "
                                                       "absent.")] = None,
        k: Annotated[int, Field(ge=1, le=50, description="How many passages.")] = 5,
    ) -> dict[str, Any]:
        """Passages of the documents in the knowledge spaces that match a query, best first."""
        async def work(access: Access, _audit) -> dict[str, Any]:
            knowledge = access.services.knowledge
            body = knowledge_api.SearchBody(query=query, k=k)
            spaces = [space] if space is not None else access.spaces(
                await asyncio.to_thread(knowledge.documents.names))
            hits = [{"space": name, **hit} for name in spaces
                    for hit in await knowledge_api.search(name, body, access, knowledge)]
            return {"hits": sorted(hits, key=lambda h: -h["score"])[:k]}
        return await self.call(ctx, "search_documents", work, audited=False)

    async def ask_documents(
        self, ctx: Context, question: Annotated[str, Field(description="A question in plain language.")],
        space: Annotated[str | None, Field(description="A knowledge space; every space you may read when "
                                                       "absent.")] = None,
        db: Annotated[str | None, Field(description="A database whose schema and verified examples are "
                                                    "sources too.")] = None,
    ) -> dict[str, Any]:
        """Answer a question from the documents, with numbered citations of the sources it rests
        on; a question the sources do not answer is refused, with the reason and the closest sources."""
        async def work(access: Access, audit: AuditEntry) -> dict[str, Any]:
            body = qa_api.QaRequest(question=question, space=space, db=db)
            answer = await qa_api.ask(body, access, audit)
            return answer.model_dump(mode="json", exclude={"timings", "usage"})
        return await self.call(ctx, "ask_documents", work)

    TOOLS = ("list_databases", "describe_schema", "generate_sql", "run_sql", "diagnose_sql",
             "search_documents", "ask_documents")
