from assistant.sqlgen.linking import choose_tables, lexical_linker
from connectors.types import ColumnInfo, ForeignKey, SchemaInfo, TableInfo


def _table(name, columns, fks=()):
    return TableInfo(name=name, columns=[ColumnInfo(c, "TEXT") for c in columns], foreign_keys=list(fks))


def make_schema(extra_tables=0):
    tables = [
        _table("customer", ["id", "name", "city"]),
        _table("product", ["id", "title", "price"]),
        _table("orders", ["id", "customer_id", "product_id", "quantity"],
               [ForeignKey(["customer_id"], "customer", ["id"]), ForeignKey(["product_id"], "product", ["id"])]),
    ]
    tables += [_table(f"audit_log_{i}", [f"event_{j}" for j in range(12)]) for i in range(extra_tables)]
    return SchemaInfo(dialect="sqlite", engine="SQLite", server_version="3", tables=tables)


def test_a_schema_within_the_whole_budget_is_shown_whole():
    schema = make_schema(extra_tables=3)
    names = [t.name for t in schema.tables]
    assert choose_tables("price of products", schema, budget_tokens=60, whole_tokens=100_000) == names


def test_a_large_schema_is_cut_to_the_linked_tables_and_their_bridge():
    schema = make_schema(extra_tables=30)
    chosen = choose_tables("Which customer bought the most expensive product?", schema, budget_tokens=110,
                           whole_tokens=300)
    # customer and product are linked; orders bridges them.
    assert set(chosen) == {"customer", "product", "orders"}


def test_a_given_linker_ranks_the_tables():
    schema = make_schema(extra_tables=30)
    calls = []

    def linker(question, schema_, budget):
        calls.append((question, budget))
        return ["audit_log_7", "customer"]

    chosen = choose_tables("anything", schema, budget_tokens=200, linker=linker, whole_tokens=300)
    assert calls == [("anything", 200)]
    assert chosen == ["customer", "audit_log_7"]  # schema order, within budget


def test_lexical_linker_prefers_tables_named_in_the_question():
    ranked = lexical_linker("how many customers live in each city", make_schema(2), 1000)
    assert ranked[0] == "customer"
