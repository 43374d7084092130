"""`dbgpt db import`: files become a registered DuckDB database, asked at once with `dbgpt run`."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from server.cli.main import app
from server.settings import Settings

runner = CliRunner()
SALES = "id,city,amount\n1,Paris,12.5\n2,Lyon,7.25\n"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DBGPT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path / "data"


def invoke(*args):
    return runner.invoke(app, list(args))


def rows(db: str, sql: str) -> list:
    result = invoke("run", "--db", db, "--json", sql)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])["rows"]


def test_import_then_run(data_dir, tmp_path):
    source = tmp_path / "sales.csv"
    source.write_text(SALES)
    result = invoke("db", "import", str(source), "--name", "sales")
    assert result.exit_code == 0, result.output
    assert "sales: 2 rows" in result.output
    expected = [[int(r["id"]), r["city"], float(r["amount"])] for r in csv.DictReader(io.StringIO(SALES))]
    assert rows("sales", "SELECT id, city, amount FROM sales ORDER BY id") == expected
    assert "sales" in invoke("db", "list").output
    imports = Settings(data_dir=data_dir).imports_path
    assert (imports / "sales" / "original" / "sales.csv").read_text() == SALES
    assert source.read_text() == SALES  # the user's own file is copied, not taken

    clash = invoke("db", "import", str(source), "--name", "sales")
    assert clash.exit_code == 2 and "already exists" in clash.output
    assert invoke("db", "remove", "sales").exit_code == 0
    assert not (imports / "sales").exists()


def test_a_malformed_file_says_where_and_leaves_nothing(data_dir, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("a,b\n1,2\n3,4,5\n")
    result = invoke("db", "import", str(source))
    assert result.exit_code == 3 and "line 3" in result.output
    assert "bad" not in invoke("db", "list").output
    imports = Settings(data_dir=data_dir).imports_path
    assert not imports.exists() or list(imports.iterdir()) == []
