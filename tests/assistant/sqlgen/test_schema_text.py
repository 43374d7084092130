import sqlglot

from assistant.sqlgen.schema_text import schema_ddl, value_note
from connectors.types import ColumnInfo, ForeignKey, SchemaInfo, TableInfo


def make_schema():
    customers = TableInfo(
        name="customers",
        comment="People who bought something.",
        primary_key=["id"],
        columns=[
            ColumnInfo("id", "INTEGER", nullable=False, primary_key=True),
            ColumnInfo("city", "TEXT", comment="Home city", values=["Paris", "Lyon"]),
        ],
    )
    orders = TableInfo(
        name="order",  # a reserved word: must be quoted
        primary_key=["id"],
        columns=[ColumnInfo("id", "INTEGER", primary_key=True), ColumnInfo("customer_id", "INTEGER")],
        foreign_keys=[ForeignKey(["customer_id"], "customers", ["id"])],
    )
    return SchemaInfo(dialect="sqlite", engine="SQLite", server_version="3", tables=[customers, orders])


def test_ddl_carries_comments_values_and_keys():
    text = schema_ddl(make_schema())
    assert "-- People who bought something." in text
    assert "Home city; values: 'Paris', 'Lyon'" in text
    assert "FOREIGN KEY (customer_id) REFERENCES customers(id)" in text


def test_ddl_parses_as_sql_of_the_dialect():
    statements = sqlglot.parse(schema_ddl(make_schema()), read="sqlite")
    assert [s.this.this.name for s in statements] == ["customers", "order"]


def test_table_selection_keeps_schema_order():
    text = schema_ddl(make_schema(), ["order"])
    assert "customers (" not in text and '"order"' in text


def _column(values, rows):
    return ColumnInfo("c", "TEXT", values=values, value_rows=rows)


def test_compact_lists_a_category_whole_and_shows_two_examples_of_free_text():
    status = _column(["active", "expired", "inactive"], rows=40)
    kinds = _column([f"kind{i}" for i in range(6)], rows=30)
    emails = _column([f"user{i}@example.com" for i in range(20)], rows=20)
    assert value_note(status, compact=True) == "values: 'active', 'expired', 'inactive'"
    assert value_note(kinds, compact=True).startswith("values: 'kind0'")
    assert value_note(emails, compact=True) == "e.g. 'user0@example.com', 'user1@example.com'"
    # Without compact every value is listed, up to the cap.
    assert value_note(emails, max_values=3) == "values: 'user0@example.com', 'user1@example.com', 'user2@example.com', ..."


def test_compact_shortens_long_examples():
    text = _column(["x" * 80, "y" * 80, "z" * 80, "w" * 80], rows=4)
    note = value_note(text, compact=True)
    assert "x" * 37 + "..." in note and "x" * 38 not in note
