"""Files into DuckDB (connectors/file_import.py, connectors/sheets.py) without the server."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import duckdb
import openpyxl
import pytest

from connectors.file_import import FileRejected, Source, _connect, build_database, table_name
from connectors.sheets import SheetError, column_names, column_type, read_sheets


def build(tmp_path, *files: tuple[str, bytes], max_rows: int = 1000):
    sources = []
    for name, body in files:
        path = tmp_path / name
        path.write_bytes(body)
        sources.append(Source(path, name))
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    target = work / "out.duckdb"
    return target, build_database(target, sources, work, max_rows=max_rows, max_unpacked=10_000_000)


def test_table_names_are_safe_unique_identifiers():
    taken: set[str] = set()
    reserved = frozenset({"select", "order"})
    names = [table_name(raw, taken, reserved) for raw in
             ("Sales 2024", "sales-2024", "2024 totals", "Order", "Café & Crème", "", "../../etc/passwd")]
    assert names == ["sales_2024", "sales_2024_2", "t_2024_totals", "order_data", "cafe_creme", "data", "etc_passwd"]
    assert len(table_name("x" * 200, set())) == 63


@pytest.mark.parametrize("values, expected", [
    ([True, False, ""], "BOOLEAN"),
    ([1.0, 2.0, None], "BIGINT"),
    ([1.0, 2.5], "DOUBLE"),
    ([dt.date(2024, 1, 1)], "DATE"),
    ([dt.datetime(2024, 1, 1, 5), dt.date(2024, 1, 2)], "TIMESTAMP"),
    ([dt.time(5, 6)], "TIME"),
    ([1.0, "x"], "VARCHAR"),
    ([True, 1.0], "VARCHAR"),
    (["", None], "VARCHAR"),
])
def test_a_column_takes_the_type_all_its_cells_share(values, expected):
    assert column_type(values) == expected


def test_header_cells_become_unique_names():
    assert column_names(["a", "", "A", "a", 5.0]) == ["a", "column2", "A_2", "a_3", "5"]


def test_a_sheet_without_a_text_header_gets_numbered_columns(tmp_path):
    book = openpyxl.Workbook()
    book.active.append([1, 2])
    book.active.append([3, 4])
    book.save(tmp_path / "n.xlsx")
    (sheet,) = read_sheets(tmp_path / "n.xlsx", tmp_path, max_rows=10, max_unpacked=10_000_000)
    assert sheet.columns == [("column1", "BIGINT"), ("column2", "BIGINT")] and sheet.rows == 2


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 2_000_000)
    with pytest.raises(SheetError) as refused:
        read_sheets(path, tmp_path, max_rows=10, max_unpacked=1_000_000)
    assert refused.value.kind == "too_large"


def test_a_sheet_past_the_row_cap_is_refused(tmp_path):
    book = openpyxl.Workbook()
    for i in range(12):
        book.active.append([i])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(FileRejected) as refused:
        build(tmp_path, ("rows.xlsx", buffer.getvalue()), max_rows=10)
    assert refused.value.kind == "too_many_rows"


def test_a_csv_the_sniffer_would_cut_is_refused_with_its_line(tmp_path):
    # DuckDB's sniffer reads this as one row (3, 4, 5), skipping the first two lines.
    with pytest.raises(FileRejected) as refused:
        build(tmp_path, ("short.csv", b"a,b\n1,2\n3,4,5\n"))
    assert refused.value.line == 3 and "line 3" in refused.value.message


def test_a_csv_with_a_quoted_comma_in_its_only_column_is_read(tmp_path):
    target, (table,) = build(tmp_path, ("one.csv", b'"name, full"\n"Ada, L"\n"Bob, M"\n'))
    assert table.columns == [("name, full", "VARCHAR")] and table.rows == 2


def test_the_database_holds_the_rows_and_no_write_ahead_log(tmp_path):
    target, tables = build(tmp_path, ("a.csv", b"x,y\n1,a\n2,b\n"), ("b.json", b'[{"k": 1}]'))
    assert [t.name for t in tables] == ["a", "b"]
    assert not target.with_name(target.name + ".wal").exists()
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT x, y FROM a ORDER BY x").fetchall() == [(1, "a"), (2, "b")]


def test_loading_reads_only_the_files_being_imported(tmp_path):
    allowed, other = tmp_path / "in.csv", tmp_path / "secret.csv"
    allowed.write_text("a\n1\n")
    other.write_text("a\n2\n")
    con = _connect(tmp_path / "t.duckdb", [allowed], "256MB", 1)
    try:
        assert con.execute("SELECT a FROM read_csv($1)", [str(allowed)]).fetchall() == [(1,)]
        with pytest.raises(duckdb.PermissionException):
            con.execute("SELECT a FROM read_csv($1)", [str(other)])
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute("INSTALL excel")
    finally:
        con.close()


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(FileRejected) as refused:
        build(tmp_path, ("empty.csv", b""))
    assert refused.value.kind == "malformed" and "empty" in refused.value.message
