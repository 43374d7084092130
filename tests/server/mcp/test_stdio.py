"""`dbgpt mcp` as an MCP client starts it: a child process on stdio, driven by the SDK's own
client, in a fresh data dir, offline, acting as the local admin or as a named user."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys

import psycopg
import pytest
from mcp import Client, StdioServerParameters

from server.auth.audit import AuditLog
from server.metadata import open_metadata, open_registry, open_users
from server.settings import Settings
from tests.server.mcp.conftest import error_text, structured
from tests.server.mcp.test_http import CITIES, TOOLS
from tests.support.helpers import REPO, free_port, offline_env


@pytest.fixture
def env(tmp_path, pg_city) -> dict[str, str]:
    data = tmp_path / "data"
    # No model runs here: the controller's port is closed, so the model's tools answer an error.
    env = offline_env({"DBGPT_DATA_DIR": str(data), "DBGPT_CONTROLLER_URL": f"http://127.0.0.1:{free_port()}",
                       "DBGPT_LLM_ATTEMPTS": "1"})
    open_registry(Settings(data_dir=data)).add("pg", pg_city["url"])
    return env


def settings_of(env) -> Settings:
    return Settings(data_dir=env["DBGPT_DATA_DIR"])


def dbgpt_mcp(env, *args: str) -> Client:
    return Client(StdioServerParameters(command=sys.executable, args=["-m", "server.cli.main", "mcp", *args],
                                        env=env, cwd=str(REPO)), read_timeout_seconds=120)


def test_every_tool_over_stdio_as_the_local_admin(env, pg_city):
    sql = "SELECT store_name, city FROM stores ORDER BY store_id"

    async def scenario():
        async with dbgpt_mcp(env) as client:
            return ({t.name for t in (await client.list_tools()).tools},
                    structured(await client.call_tool("list_databases", {})),
                    structured(await client.call_tool("run_sql", {"sql": sql})),
                    structured(await client.call_tool("run_sql", {"sql": CITIES, "db": "pg"})),
                    await client.call_tool("run_sql", {"sql": "UPDATE city SET name = 'x'", "db": "pg"}),
                    structured(await client.call_tool("describe_schema", {"table": "stores"})),
                    structured(await client.call_tool("diagnose_sql", {"sql": "SELECT nme FROM city", "db": "pg",
                                                                       "use_model": False})),
                    structured(await client.call_tool("search_documents", {"query": "vacuum"})),
                    await client.call_tool("generate_sql", {"question": "How many stores are there?"}),
                    await client.read_resource("dbgpt://databases/demo/schema"))
    tools, listed, demo, pg, write, stores, diagnosis, search, generated, resource = asyncio.run(scenario())
    assert tools == TOOLS
    assert [d["name"] for d in listed["databases"]] == ["demo", "pg"]
    settings = settings_of(env)
    with sqlite3.connect(settings.demo_db_path) as con:
        assert demo["rows"] == [list(r) for r in con.execute(sql)] and demo["rows"]
    with psycopg.connect(pg_city["dsn"]) as conn:
        conn.execute(f"SET search_path TO {pg_city['schema']}")
        assert pg["rows"] == [list(r) for r in conn.execute(CITIES)]
        assert conn.execute("SELECT COUNT(*) FROM city WHERE name = 'x'").fetchone() == (0,)
    assert error_text(write).startswith("refused by rule ") and write.structured_content["kind"] == "refused"
    assert stores["tables"][0]["name"] == "stores" and stores["tables"][0]["columns"]
    assert any(f["severity"] == "error" and "nme" in f["message"] for f in diagnosis["findings"])
    assert search == {"hits": []}  # no knowledge space yet
    # The REST API's 503 message: the model is not reachable, and how to bring it.
    assert "is not reachable" in error_text(generated) and generated.structured_content["status"] == 503
    assert '"name": "stores"' in resource.contents[0].text
    log = AuditLog(open_metadata(settings)).query(limit=50)
    assert {e["user"] for e in log} == {"admin"}
    routes = {(e["route"], e["outcome"]) for e in log}
    assert {("MCP run_sql", "ok"), ("MCP run_sql", "refused"), ("MCP describe_schema", "ok"),
            ("MCP diagnose_sql", "ok"), ("MCP generate_sql", "error")} <= routes


def test_a_named_analyst_gets_only_their_grants(env):
    users = open_users(settings_of(env))
    users.add("bob", "analyst")

    async def scenario():
        async with dbgpt_mcp(env, "--user", "bob") as client:
            return (structured(await client.call_tool("list_databases", {})),
                    await client.call_tool("run_sql", {"sql": CITIES, "db": "pg"}))
    listed, denied = asyncio.run(scenario())
    assert [d["name"] for d in listed["databases"]] == ["demo"]
    assert error_text(denied) == "'bob' has no grant for database 'pg'"
    assert denied.structured_content["status"] == 403


def test_an_unknown_user_is_refused_before_serving(env):
    done = subprocess.run([sys.executable, "-m", "server.cli.main", "mcp", "--user", "nobody"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "no user named 'nobody'" in done.stderr and done.stdout == ""
