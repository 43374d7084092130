from assistant.sqlgen.analysis.joins import join_path_hint, links, role_links
from connectors.types import ColumnInfo, ForeignKey, SchemaInfo, TableInfo


def table(name, *columns, fks=(), pk=()):
    return TableInfo(name, [ColumnInfo(c, "INTEGER") for c in columns], foreign_keys=list(fks),
                     primary_key=list(pk))


AUTHOR = table("author", "aid", "name")
PUBLICATION = table("publication", "pid", "title", "year")
WRITES = table("writes", "aid", "pid")
SCHEMA = SchemaInfo("postgres", "PostgreSQL", "15", [AUTHOR, PUBLICATION, WRITES])


def test_declared_foreign_keys_come_first():
    orders = table("orders", "id", "buyer_id", "customer_id", fks=[ForeignKey(["buyer_id"], "customers", ["id"])])
    customers = table("customers", "id", "customer_id")
    assert [link.sql() for link in links(orders, customers)] == ["orders.buyer_id = customers.id"]
    assert [link.sql() for link in links(customers, orders)] == ["customers.id = orders.buyer_id"]


def test_shared_key_like_names_link_tables_without_declared_keys():
    assert [link.sql() for link in links(WRITES, AUTHOR)] == ["writes.aid = author.aid"]
    # A shared name that is no key (`name`, `year`) is no link.
    assert links(table("venue", "name", "year"), table("journal", "name", "year")) == []


def test_the_table_id_convention_links_tables():
    assert [link.sql() for link in links(table("order_items", "order_id"), table("orders", "id"))] == [
        "order_items.order_id = orders.id"]
    assert [link.sql() for link in links(table("city", "id"), table("store", "city_id"))] == [
        "city.id = store.city_id"]


def test_a_path_through_a_bridge_table_is_named():
    assert join_path_hint(PUBLICATION, AUTHOR, SCHEMA) == (
        "publication and author are not linked directly; join them through writes: "
        "writes.pid = publication.pid and writes.aid = author.aid")
    assert join_path_hint(WRITES, AUTHOR, SCHEMA) == "writes and author join on writes.aid = author.aid"
    assert join_path_hint(AUTHOR, table("weather", "day"), SCHEMA) == ""


def text_table(name, *columns):
    return TableInfo(name, [ColumnInfo(c, "TEXT") for c in columns])


AIRLINE = text_table("airline", "airline_code", "airline_name")
AIRPORT = text_table("airport", "airport_code", "airport_name")


def test_a_column_named_for_another_table_s_role_links_to_its_key():
    fare = text_table("fare", "fare_id", "fare_airline", "from_airport", "to_airport")
    assert [link.sql() for link in role_links(fare, AIRLINE)] == ["fare.fare_airline = airline.airline_code"]
    assert [link.sql() for link in role_links(AIRPORT, fare)] == [
        "airport.airport_code = fare.from_airport", "airport.airport_code = fare.to_airport"]
    schema = SchemaInfo("sqlite", "SQLite", "3", [fare, AIRLINE, AIRPORT])
    assert join_path_hint(fare, AIRPORT, schema) == (
        "fare and airport join on fare.from_airport = airport.airport_code or fare.to_airport = airport.airport_code")


def test_a_role_name_of_another_type_or_a_prefix_is_no_link():
    # airline_flight is a flight number, not the airline; a number cannot hold a text code
    flight = TableInfo("flight", [ColumnInfo("flight_id", "INTEGER"), ColumnInfo("airline_flight", "TEXT"),
                                  ColumnInfo("home_airline", "INTEGER")])
    assert role_links(flight, AIRLINE) == []
