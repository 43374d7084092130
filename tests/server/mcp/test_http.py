"""/mcp over streamable HTTP with the SDK's own client, against the served app: every tool on
the demo SQLite database and on a real PostgreSQL one, rows checked against our own SQL;
the REST API's keys, grants, guard, error messages and audit log. The model is scripted."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx
import psycopg
import pytest

from server.mcp.tools import ROWS
from tests.server.mcp.conftest import error_text, http_client, structured
from tests.support.api_server import served
from tests.support.auth import api_key

TOOLS = {"list_databases", "describe_schema", "generate_sql", "run_sql", "diagnose_sql", "search_documents",
         "ask_documents"}
CITIES = "SELECT id, name, population FROM city ORDER BY id"


@pytest.fixture
def api(settings, llm, pg_city):
    with served(settings, llm=llm) as api:
        api.services.databases.registry.add("pg", pg_city["url"], description="scratch cities")
        yield api


def run(scenario):
    return asyncio.run(scenario)


def demo_rows(settings, sql: str) -> list[list]:
    with sqlite3.connect(settings.demo_db_path) as con:
        return [list(row) for row in con.execute(sql)]


def pg_rows(pg_city, sql: str) -> list[list]:
    with psycopg.connect(pg_city["dsn"]) as conn:
        conn.execute(f"SET search_path TO {pg_city['schema']}")
        return [list(row) for row in conn.execute(sql)]


def test_the_tools_the_resources_and_the_prompt_are_listed(api):
    async def scenario():
        async with http_client(api.url, api_key(api.settings)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            resources = [str(r.uri) for r in (await client.list_resources()).resources]
            prompts = [p.name for p in (await client.list_prompts()).prompts]
            prompt = await client.get_prompt("analyse_table", {"table": "orders", "db": "demo"})
            return tools, resources, prompts, prompt
    tools, resources, prompts, prompt = run(scenario())
    assert set(tools) == TOOLS
    assert "ctx" not in tools["run_sql"].input_schema["properties"]
    assert resources == ["dbgpt://databases/demo/schema", "dbgpt://databases/pg/schema"]
    assert prompts == ["analyse_table"]
    assert "describe_schema(table='orders', db='demo')" in prompt.messages[0].content.text


def test_run_sql_and_describe_schema_on_the_demo_and_on_postgresql(api, pg_city):
    sql = "SELECT store_id, COUNT(*) AS n FROM orders GROUP BY store_id ORDER BY store_id"

    async def scenario():
        async with http_client(api.url, api_key(api.settings)) as client:
            return (structured(await client.call_tool("list_databases", {})),
                    structured(await client.call_tool("run_sql", {"sql": sql})),
                    structured(await client.call_tool("run_sql", {"sql": CITIES, "db": "pg"})),
                    structured(await client.call_tool("run_sql", {"sql": "SELECT * FROM orders", "row_limit": 3})),
                    structured(await client.call_tool("run_sql", {"sql": "SELECT * FROM orders"})),
                    structured(await client.call_tool("describe_schema", {"db": "pg", "table": "city"})),
                    structured(await client.call_tool("describe_schema", {"search": "supplier"})),
                    await client.read_resource("dbgpt://databases/pg/schema"))
    listed, demo, pg, three, capped, city, found, resource = run(scenario())
    assert [d["name"] for d in listed["databases"]] == ["demo", "pg"]
    assert demo["rows"] == demo_rows(api.settings, sql) and demo["columns"] == ["store_id", "n"]
    assert pg["rows"] == pg_rows(pg_city, CITIES) == [[1, "Paris", 2100000], [2, "Lyon", 520000],
                                                      [3, "Lille", 236000]]
    assert len(three["rows"]) == 3 and three["truncated"]
    assert len(capped["rows"]) == ROWS and capped["truncated"]  # an agent gets a capped answer by default
    [table] = city["tables"]
    assert table["name"] == "city" and table["primary_key"] == ["id"]
    assert table["description"] == "Cities the shop delivers to"
    population = next(c for c in table["columns"] if c["name"] == "population")
    assert population["description"] == "Inhabitants at the last census" and population["type"].lower() == "integer"
    assert "suppliers" in [t["name"] for t in found["tables"]] and len(found["tables"]) < 10
    products = next(t for t in found["tables"] if t["name"] == "products")
    assert {"columns": ["supplier_id"], "references": "suppliers", "ref_columns": ["supplier_id"]} in products["foreign_keys"]
    assert '"name": "city"' in resource.contents[0].text


def test_generate_sql_is_the_rest_pipeline_with_capped_rows(api, llm, pg_city):
    llm.reply = '{"thoughts": "", "sql": "SELECT name FROM city WHERE population > 300000 ORDER BY name"}'

    async def scenario():
        async with http_client(api.url, api_key(api.settings)) as client:
            return structured(await client.call_tool("generate_sql", {"question": "Which cities are big?",
                                                                      "db": "pg"}))
    answer = run(scenario())
    assert answer["error"] is None
    assert answer["sql"] == "SELECT name FROM city WHERE population > 300000 ORDER BY name"
    assert answer["rows"] == pg_rows(pg_city, answer["sql"]) == [["Lyon"], ["Paris"]]
    assert isinstance(answer["warnings"], list)
    assert "CREATE TABLE city" in llm.requests[0].messages[0]["content"]  # the model saw the real schema


def test_diagnose_sql_finds_what_the_rest_route_finds(api):
    sql = "SELECT * FROM orders WHERE customer_idd = 7"
    rest = api.admin.post("/api/v1/sql/diagnose", json={"sql": sql, "use_model": False}).json()

    async def scenario():
        async with http_client(api.url, api_key(api.settings)) as client:
            return structured(await client.call_tool("diagnose_sql", {"sql": sql, "use_model": False}))
    report = run(scenario())
    assert report["dialect"] == "sqlite" and report["summary_source"] == "rules"
    assert [f["kind"] for f in report["findings"]] == [f["kind"] for f in rest["findings"]]
    assert report["findings"]


def test_a_write_is_refused_with_the_rest_apis_message_and_audited(api, pg_city):
    async def scenario():
        async with http_client(api.url, api_key(api.settings)) as client:
            return (await client.call_tool("run_sql", {"sql": "DELETE FROM city", "db": "pg"}),
                    await client.call_tool("run_sql", {"sql": "DROP TABLE orders"}),
                    await client.call_tool("run_sql", {"sql": "SELECT 1", "db": "nope"}),
                    await client.call_tool("generate_sql", {"question": "   "}))
    delete, drop, unknown, blank = run(scenario())
    rest = api.admin.post("/api/v1/sql/run", json={"sql": "DELETE FROM city", "db": "pg"})
    assert rest.status_code == 400 and error_text(delete) == rest.json()["detail"]
    assert "refused by rule" in error_text(drop)
    assert error_text(unknown) == api.admin.post("/api/v1/sql/run", json={"sql": "SELECT 1", "db": "nope"}).json()["detail"]
    assert error_text(blank).startswith("invalid arguments: question")
    assert pg_rows(pg_city, "SELECT COUNT(*) FROM city") == [[3]]
    log = api.admin.get("/api/v1/audit", params={"limit": 20}).json()
    refused = [e for e in log if e["route"] == "MCP run_sql" and e["outcome"] == "refused"]
    assert {e["db"] for e in refused} == {"pg", "demo"} and all(e["rule"] for e in refused)
    assert any(e["route"] == "POST /api/v1/sql/run" for e in log)


def test_the_model_being_down_is_a_tool_error_not_a_crash(api, llm):
    llm.available = False

    async def scenario():
        async with http_client(api.url, api_key(api.settings)) as client:
            return await client.call_tool("generate_sql", {"question": "How many orders?"})
    assert "no worker is serving model 'scripted'" in error_text(run(scenario()))


def test_an_analyst_sees_only_granted_databases(api, pg_city):
    key = api_key(api.settings, "bob", "analyst")

    async def scenario():
        async with http_client(api.url, key) as client:
            return (structured(await client.call_tool("list_databases", {})),
                    [str(r.uri) for r in (await client.list_resources()).resources],
                    await client.call_tool("run_sql", {"sql": CITIES, "db": "pg"}),
                    await client.call_tool("describe_schema", {"db": "pg"}),
                    await client.call_tool("run_sql", {"sql": "SELECT 1", "db": pg_city["url"]}))
    listed, resources, denied, schema, by_url = run(scenario())
    assert [d["name"] for d in listed["databases"]] == ["demo"]
    assert resources == ["dbgpt://databases/demo/schema"]
    assert error_text(denied) == "'bob' has no grant for database 'pg'" == error_text(schema)
    assert by_url.structured_content["status"] == 403 and "registered name" in error_text(by_url)
    # As over REST, a request refused for a missing grant reaches nothing, and is logged as denied
    # (a URL is never logged).
    logged = api.admin.get("/api/v1/audit", params={"user": "bob"}).json()
    assert [(e["route"], e["db"], e["outcome"]) for e in reversed(logged)] == [
        ("MCP run_sql", "pg", "denied"), ("MCP describe_schema", "pg", "denied"), ("MCP run_sql", None, "denied")]
    assert pg_city["url"] not in str(logged)

    granted = api_key(api.settings, "bob", "analyst", grants={"db": ["pg"]})

    async def after_the_grant():
        async with http_client(api.url, granted) as client:
            return structured(await client.call_tool("run_sql", {"sql": CITIES, "db": "pg"}))
    assert run(after_the_grant())["rows"] == pg_rows(pg_city, CITIES)


def test_no_key_or_a_wrong_one_is_401_and_the_host_check_and_body_limit_apply(api):
    ping = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    for extra in ({}, {"Authorization": "Bearer dbgpt_000000000000_wrongwrongwrongwrongwrong"}):
        answer = httpx.post(api.url + "/mcp", json=ping, headers={**headers, **extra})
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
    keyed = {**headers, "Authorization": f"Bearer {api_key(api.settings)}"}
    foreign = httpx.post(api.url + "/mcp", json=ping, headers={**keyed, "Host": "attacker.example"})
    assert foreign.status_code == 400
    huge = httpx.post(api.url + "/mcp", content=b"{" + b" " * (api.settings.max_body_bytes + 10) + b"}",
                      headers={**keyed, "Content-Type": "application/json"})
    assert huge.status_code == 413

    async def scenario():
        async with http_client(api.url, None) as client:
            await client.list_tools()
    with pytest.raises(Exception):
        run(scenario())
