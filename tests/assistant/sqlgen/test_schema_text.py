import sqlglot

from assistant.sqlgen.schema_text import schema_ddl
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
