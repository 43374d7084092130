from assistant.sqlgen.tables_read import columns_read, key_columns, tables_read
from connectors.types import ColumnInfo, ForeignKey, SchemaInfo, TableInfo


def table(name, *columns, pk=("id",), fks=()):
    cols = [ColumnInfo(c, "INTEGER" if c.endswith("id") else "TEXT", primary_key=c in pk) for c in columns]
    return TableInfo(name, cols, primary_key=list(pk), foreign_keys=list(fks))


SCHEMA = SchemaInfo("sqlite", "SQLite", "3", [
    table("Clinic", "id", "name"),
    table("visit", "id", "clinic_ref", "day", fks=[ForeignKey(["clinic_ref"], "Clinic", ["id"])]),
    table("doctor", "badge", "name", pk=("badge",)),
])


def test_the_tables_the_sql_reads_in_order_without_ctes_spelled_as_the_schema():
    sql = ("WITH busy AS (SELECT clinic_ref, COUNT(*) AS n FROM visit GROUP BY clinic_ref) "
           "SELECT c.name, b.n FROM clinic c JOIN busy b ON b.clinic_ref = c.id "
           "WHERE c.id IN (SELECT clinic_ref FROM visit)")
    assert tables_read(sql, SCHEMA) == ["Clinic", "visit"]
    assert tables_read("SELECT name FROM doctor", SCHEMA) == ["doctor"]
    # a CTE named like a table reads that table in its own body
    assert tables_read("WITH visit AS (SELECT * FROM visit WHERE day > 1) SELECT COUNT(*) FROM visit",
                       SCHEMA) == ["visit"]
    # a recursive CTE reads only itself
    assert tables_read("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) "
                       "SELECT i FROM n", SCHEMA) == []
    assert tables_read(None, SCHEMA) == [] and tables_read("SELEC nonsense (", SCHEMA) == []


def test_key_columns_are_the_keys_of_the_tables_read_and_keys_renamed():
    keys = key_columns("SELECT c.id AS clinic, v.day, COUNT(*) AS n FROM visit v JOIN clinic c "
                       "ON c.id = v.clinic_ref GROUP BY c.id, v.day", SCHEMA)
    assert {"id", "clinic_ref", "clinic"} <= keys and not {"day", "n", "badge"} & keys
    assert key_columns("SELECT badge AS who FROM doctor", SCHEMA) == {"badge", "who"}
    assert key_columns(None, SCHEMA) == set()


def test_columns_read_names_each_tables_columns_by_alias_by_name_and_unqualified_where_unambiguous():
    sql = "SELECT c.name, COUNT(*) FROM visit v JOIN clinic c ON c.id = v.clinic_ref WHERE day > '2024' GROUP BY c.name"
    assert columns_read(sql, SCHEMA) == {"visit": ["clinic_ref", "day"], "Clinic": ["name", "id"]}
    assert columns_read("SELECT id FROM visit JOIN clinic ON 1 = 1", SCHEMA) == {"visit": [], "Clinic": []}
    assert columns_read("not sql at all (", SCHEMA) == {}
