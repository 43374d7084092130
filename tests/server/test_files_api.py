"""Files as tables over HTTP: /api/v1/files, then the imported database through the usual routes.

Each file is written here, and the rows the API answers are checked against
what the test itself wrote or read back with another reader (Python's csv,
openpyxl), never against DuckDB alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from contextlib import contextmanager

import duckdb
import openpyxl
import pytest

from server.app import create_app
from server.settings import Settings
from tests.support.auth import api_key, bearer, signed_in

FILES = "/api/v1/files"
SALES_CSV = "id,city,amount,day\n1,Paris,12.5,2024-01-02\n2,Lyon,7.25,2024-01-03\n3,Nice,,2024-02-29\n"


def upload(client, *files: tuple[str, bytes], name: str | None = None, **kwargs):
    data = {"name": name} if name is not None else None
    return client.post(FILES, files=[("files", (fname, body)) for fname, body in files], data=data, **kwargs)


def run(client, db: str, sql: str, **kwargs):
    response = client.post("/api/v1/sql/run", json={"db": db, "sql": sql}, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def connection_names(client) -> list[str]:
    return [c["name"] for c in client.get("/api/v1/connections").json()]


def leftovers(settings: Settings) -> list[str]:
    """Everything under the imports folder: after a refused import, nothing."""
    root = settings.imports_path
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


@pytest.fixture
def make_client(tmp_path, llm):
    """A signed-in admin client over settings changed by `overrides`."""

    @contextmanager
    def make(raise_server_exceptions=True, **overrides):
        settings = Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models", file_roots=[tmp_path],
                            **overrides)
        app = create_app(settings, llm=llm)
        with signed_in(app, settings, raise_server_exceptions=raise_server_exceptions) as client:
            yield client, settings

    return make


def test_a_csv_is_asked_at_once_and_answers_what_the_file_holds(client, settings):
    response = upload(client, ("sales.csv", SALES_CSV.encode()), name="sales")
    assert response.status_code == 201, response.text
    (table,) = response.json()["tables"]
    assert table["name"] == "sales" and table["rows"] == 3 and table["source"] == "sales.csv"
    assert [(c["name"], c["type"]) for c in table["columns"]] == [
        ("id", "BIGINT"), ("city", "VARCHAR"), ("amount", "DOUBLE"), ("day", "DATE")]

    expected = [[int(r["id"]), r["city"], float(r["amount"]) if r["amount"] else None, r["day"]]
                for r in csv.DictReader(io.StringIO(SALES_CSV))]
    assert run(client, "sales", "SELECT id, city, amount, CAST(day AS VARCHAR) FROM sales ORDER BY id") == expected
    total = sum(r[2] for r in expected if r[2] is not None)
    assert run(client, "sales", "SELECT sum(amount) FROM sales WHERE day < DATE '2024-02-01'") == [[total]]

    # Registered like any connection; the schema is there; the original is kept beside the database.
    assert "sales" in connection_names(client)
    listed = client.get("/api/v1/connections/sales").json()
    assert listed["engine"] == "duckdb" and "sales.csv" in listed["description"]
    assert client.post("/api/v1/connections/sales/refresh").json()["tables"] == 1
    assert (settings.imports_path / "sales" / "original" / "sales.csv").read_text() == SALES_CSV
    assert (settings.imports_path / "sales" / "sales.duckdb").is_file()
    assert leftovers(settings) == ["sales", "sales/original", "sales/original/sales.csv", "sales/sales.duckdb"]


def test_a_tsv_is_named_after_its_file(client):
    text = "Product Code\tQty\tNote\n007\t3\thas, commas\n010\t4\t\n"
    response = upload(client, ("Stock 2024.tsv", text.encode()))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Stock_2024" and body["tables"][0]["name"] == "stock_2024"
    rows = run(client, "Stock_2024", 'SELECT "Product Code", Qty, Note FROM stock_2024 ORDER BY Qty')
    # Codes with leading zeros stay text, as DuckDB's sniffer decides.
    expected = [[r["Product Code"], int(r["Qty"]), r["Note"] or None]
                for r in csv.DictReader(io.StringIO(text), delimiter="\t")]
    assert rows == expected


def workbook_bytes() -> tuple[bytes, dict[str, list[list]]]:
    sheets = {
        "Orders 2024": [["order_id", "customer", "total", "placed", "paid"],
                        [1, "Ada", 10.5, dt.date(2024, 3, 1), True],
                        [2, "Bob", 20, dt.date(2024, 3, 2), False],
                        [3, "Cy", None, dt.date(2024, 3, 3), True]],
        "Customers": [["name", "zip"], ["Ada", "01234"], ["Bob", "99999"]],
    }
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), sheets


def test_an_xlsx_becomes_a_table_per_sheet_with_the_cells_types(client):
    data, sheets = workbook_bytes()
    response = upload(client, ("book.xlsx", data), name="book")
    assert response.status_code == 201, response.text
    tables = {t["name"]: t for t in response.json()["tables"]}
    assert set(tables) == {"orders_2024", "customers"}
    assert [c["type"] for c in tables["orders_2024"]["columns"]] == ["BIGINT", "VARCHAR", "DOUBLE", "DATE", "BOOLEAN"]
    assert [c["type"] for c in tables["customers"]["columns"]] == ["VARCHAR", "VARCHAR"]  # '01234' stays text

    # openpyxl reads the workbook back: the rows the API gives are the rows it holds.
    book = openpyxl.load_workbook(io.BytesIO(data))
    orders = [list(r) for r in book["Orders 2024"].iter_rows(min_row=2, values_only=True)]
    expected = [[i, c, None if t is None else float(t), p.date().isoformat(), paid] for i, c, t, p, paid in orders]
    got = run(client, "book", "SELECT order_id, customer, total, CAST(placed AS VARCHAR), paid "
                              "FROM orders_2024 ORDER BY order_id")
    assert got == expected
    assert run(client, "book", "SELECT name, zip FROM customers ORDER BY name") == sheets["Customers"][1:]
    joined = run(client, "book", "SELECT c.zip, sum(o.total) FROM orders_2024 o JOIN customers c "
                                 "ON c.name = o.customer GROUP BY c.zip ORDER BY c.zip")
    assert joined == [["01234", 10.5], ["99999", 20.0]]


def test_parquet_and_json_in_one_upload_are_two_tables(client, tmp_path):
    rows = [(1, "red", 0.5), (2, "green", 1.5), (3, "blue", None)]
    parquet = tmp_path / "colours.parquet"
    with duckdb.connect() as con:
        con.execute("CREATE TABLE c (id INTEGER, name VARCHAR, weight DOUBLE)")
        con.executemany("INSERT INTO c VALUES (?, ?, ?)", rows)
        con.execute("COPY c TO $1 (FORMAT parquet)", [str(parquet)])
    events = [{"id": 1, "kind": "click", "tags": ["a"]}, {"id": 2, "kind": "view", "tags": []}]
    response = upload(client, ("colours.parquet", parquet.read_bytes()),
                      ("events.json", json.dumps(events).encode()), name="mixed")
    assert response.status_code == 201, response.text
    assert [t["name"] for t in response.json()["tables"]] == ["colours", "events"]
    assert run(client, "mixed", "SELECT id, name, weight FROM colours ORDER BY id") == [list(r) for r in rows]
    assert run(client, "mixed", "SELECT id, kind, len(tags) FROM events ORDER BY id") == [
        [e["id"], e["kind"], len(e["tags"])] for e in events]


def test_ndjson_is_read_one_object_a_line(client):
    lines = "\n".join(json.dumps({"n": i, "sq": i * i}) for i in range(5)).encode()
    assert upload(client, ("squares.ndjson", lines), name="squares").status_code == 201
    assert run(client, "squares", "SELECT n, sq FROM squares ORDER BY n") == [[i, i * i] for i in range(5)]


def test_a_malformed_csv_names_the_line_and_leaves_nothing(client, settings):
    good = "".join(f"{i},name{i},{i * 2}\n" for i in range(1, 40))
    text = "id,name,amount\n" + good + "40,broken,3,extra\n41,ok,4\n"
    response = upload(client, ("orders.csv", text.encode()), name="orders")
    assert response.status_code == 422, response.text
    body = response.json()
    bad_line = text.splitlines().index("40,broken,3,extra") + 1
    assert body["line"] == bad_line and f"line {bad_line}" in body["detail"]
    assert body["file"] == "orders.csv" and str(settings.data_dir) not in body["detail"]
    assert "orders" not in connection_names(client)
    assert leftovers(settings) == []


def test_a_value_of_the_wrong_type_names_the_line_and_column(client, settings):
    rows = "".join(f"{i},{i * 3}\n" for i in range(1, 30_000))  # past the sniffer's sample
    text = "id,qty\n" + rows + "30000,lots\n"
    body = upload(client, ("big.csv", text.encode()), name="big").json()
    assert body["line"] == 30_001 and body["column"] == "qty"
    assert "line 30001, column 'qty'" in body["detail"]
    assert leftovers(settings) == [] and "big" not in connection_names(client)


@pytest.mark.parametrize("name, body", [("bad.json", b'[{"a": 1}, {"a": '), ("bad.parquet", b"PAR1 not really"),
                                        ("bad.xlsx", b"not a workbook")])
def test_other_malformed_files_are_422_with_the_file_named(client, settings, name, body):
    response = upload(client, (name, body), name="broken")
    assert response.status_code == 422, response.text
    assert name in response.json()["detail"] and str(settings.data_dir) not in response.json()["detail"]
    assert leftovers(settings) == [] and "broken" not in connection_names(client)


def test_one_bad_file_refuses_the_whole_upload(client, settings):
    response = upload(client, ("good.csv", SALES_CSV.encode()), ("bad.json", b"{"), name="pair")
    assert response.status_code == 422
    assert leftovers(settings) == [] and "pair" not in connection_names(client)


def test_over_size_is_413_and_leaves_nothing(make_client):
    with make_client(max_upload_bytes=2048) as (client, settings):
        text = "id,x\n" + "".join(f"{i},{'y' * 20}\n" for i in range(200))
        response = upload(client, ("big.csv", text.encode()), name="big")
        assert response.status_code == 413
        assert leftovers(settings) == [] and "big" not in connection_names(client)


def test_too_many_rows_or_files_is_413(make_client):
    with make_client(max_import_rows=5, max_upload_files=2) as (client, settings):
        text = "n\n" + "".join(f"{i}\n" for i in range(6))
        response = upload(client, ("six.csv", text.encode()), name="six")
        assert response.status_code == 413 and "more than 5 rows" in response.json()["detail"]
        three = [(f"f{i}.csv", b"a\n1\n") for i in range(3)]
        assert upload(client, *three, name="three").status_code == 413
        assert leftovers(settings) == [] and connection_names(client) == ["demo"]
        assert upload(client, ("five.csv", text.rsplit("\n", 2)[0].encode() + b"\n"), name="five").status_code == 201


def test_unsupported_types_are_415(client, settings):
    response = upload(client, ("notes.pdf", b"%PDF-1.4"), name="notes")
    assert response.status_code == 415 and ".csv" in response.json()["detail"]
    assert leftovers(settings) == []


def test_a_name_clash_is_409_and_the_first_import_stays(client, settings):
    assert upload(client, ("sales.csv", SALES_CSV.encode()), name="sales").status_code == 201
    again = upload(client, ("other.csv", b"a\n1\n"), name="sales")
    assert again.status_code == 409 and "sales" in again.json()["detail"]
    assert upload(client, ("demo.csv", b"a\n1\n"), name="demo").status_code == 409
    assert run(client, "sales", "SELECT count(*) FROM sales") == [[3]]
    assert leftovers(settings) == ["sales", "sales/original", "sales/original/sales.csv", "sales/sales.duckdb"]


def test_an_invalid_name_is_422(client, settings):
    assert upload(client, ("a.csv", b"a\n1\n"), name="../up").status_code == 422
    assert leftovers(settings) == []


def test_an_analyst_may_not_import_unless_the_server_allows_it(client, settings):
    analyst = bearer(api_key(settings, "ana", "analyst"))
    response = upload(client, ("sales.csv", SALES_CSV.encode()), name="sales", headers=analyst)
    assert response.status_code == 403 and "admin role" in response.json()["detail"]
    assert leftovers(settings) == [] and "sales" not in connection_names(client)


def test_an_analysts_import_is_granted_to_that_analyst_alone(make_client):
    with make_client(analyst_imports=True) as (client, settings):
        ana, bo = bearer(api_key(settings, "ana", "analyst")), bearer(api_key(settings, "bo", "analyst"))
        assert upload(client, ("sales.csv", SALES_CSV.encode()), name="sales", headers=ana).status_code == 201
        assert run(client, "sales", "SELECT count(*) FROM sales", headers=ana) == [[3]]
        assert [c["name"] for c in client.get("/api/v1/connections", headers=ana).json()] == ["demo", "sales"]
        refused = client.post("/api/v1/sql/run", json={"db": "sales", "sql": "SELECT 1"}, headers=bo)
        assert refused.status_code == 403
        # Removing it stays an admin's act, and takes its files and grants with it.
        assert client.delete("/api/v1/connections/sales", headers=ana).status_code == 403
        assert client.delete("/api/v1/connections/sales").status_code == 204
        assert leftovers(settings) == []
        assert client.post("/api/v1/sql/run", json={"db": "sales", "sql": "SELECT 1"}, headers=ana).status_code == 403


def test_a_failure_after_registering_undoes_the_registration(make_client, monkeypatch):
    with make_client(analyst_imports=True, raise_server_exceptions=False) as (client, settings):
        ana = bearer(api_key(settings, "ana", "analyst"))
        users = client.app.state.services.users

        def broken_grant(*_args):
            raise RuntimeError("the metadata database went away")

        monkeypatch.setattr(users, "grant", broken_grant)
        response = upload(client, ("sales.csv", SALES_CSV.encode()), name="sales", headers=ana)
        assert response.status_code == 500
        assert "sales" not in connection_names(client) and leftovers(settings) == []


def test_the_imported_database_answers_questions(client, llm):
    assert upload(client, ("sales.csv", SALES_CSV.encode()), name="sales").status_code == 201
    llm.reply = '{"sql": "SELECT city FROM sales WHERE amount > 10"}'
    response = client.post("/api/v1/sql/generate", json={"db": "sales", "question": "big sales?", "pipeline": "plain"})
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [["Paris"]]
    assert "CREATE TABLE sales" in llm.requests[0].messages[0]["content"]


def test_the_imported_database_is_read_only_and_confined(client):
    assert upload(client, ("sales.csv", SALES_CSV.encode()), name="sales").status_code == 201
    writes = client.post("/api/v1/sql/run", json={"db": "sales", "sql": "DELETE FROM sales"})
    assert writes.status_code == 400 and writes.json()["kind"] == "refused"
    reads = client.post("/api/v1/sql/run", json={"db": "sales", "sql": "SELECT * FROM read_csv('/etc/passwd')"})
    assert reads.status_code == 400
    assert run(client, "sales", "SELECT count(*) FROM sales") == [[3]]
