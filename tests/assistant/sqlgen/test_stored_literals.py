"""Literals looked up in the column they filter, on a real SQLite database."""

import csv
import sqlite3

import pytest

from assistant.sqlgen.stored_literals import check_literals
from connectors import connect
from tests.support.helpers import DEFOG


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    path = tmp_path_factory.mktemp("places") / "places.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE state (state_name TEXT PRIMARY KEY, population INTEGER, area REAL);
            CREATE TABLE border_info (state_name TEXT, border TEXT);
            INSERT INTO state VALUES ('texas', 25000000, 695662), ('new mexico', 2000000, 314917),
                                     ('oklahoma', 3900000, 181037);
            INSERT INTO border_info VALUES ('texas', 'new mexico'), ('texas', 'oklahoma'),
                                           ('oklahoma', 'texas');
        """)
    connector = connect(f"sqlite:///{path}")
    yield connector, connector.introspect()
    connector.close()


def _check(sql, places):
    connector, schema = places
    return check_literals(sql, schema, lambda tree: connector.run_tree(tree, row_limit=20).rows)


def test_a_literal_stored_as_written_passes_untouched(places):
    sql = "SELECT area FROM state WHERE state_name = 'texas'"
    result = _check(sql, places)
    assert (result.sql, result.fixes, result.doubts) == (sql, [], [])


def test_a_literal_in_another_case_is_written_as_stored(places):
    result = _check("SELECT COUNT(*) FROM border_info AS b WHERE b.border = 'New Mexico'", places)
    assert "'new mexico'" in result.sql and "'New Mexico'" not in result.sql
    assert result.fixes == ["'New Mexico' is stored as 'new mexico' in border_info.border"]
    assert result.doubts == []


def test_a_literal_no_row_holds_is_a_doubt_with_the_closest_values(places):
    # A count over a join is never empty, so only the lookup notices the missing value.
    result = _check("SELECT COUNT(*) FROM state AS s JOIN border_info AS b ON s.state_name = b.state_name "
                    "WHERE b.border = 'Oklahome'", places)
    assert result.fixes == []
    assert len(result.doubts) == 1
    assert "border_info.border" in result.doubts[0] and "'oklahoma'" in result.doubts[0]


def test_an_in_list_with_one_stored_member_is_a_set_of_possibilities(places):
    result = _check("SELECT state_name FROM border_info WHERE border IN ('texas', 'atlantis')", places)
    assert result.doubts == []


def test_an_in_list_of_values_none_stored_is_a_doubt(places):
    result = _check("SELECT state_name FROM border_info WHERE border IN ('atlantis', 'lemuria')", places)
    assert len(result.doubts) == 1 and "'atlantis'" in result.doubts[0]


def test_numbers_and_ambiguous_columns_are_left_alone(places):
    sql = ("SELECT s.area FROM state AS s JOIN border_info AS b ON s.state_name = b.state_name "
           "WHERE state_name = 'Texas' AND s.population = '7'")
    result = _check(sql, places)  # state_name: two tables hold it, the database will say so
    assert (result.fixes, result.doubts) == ([], [])


def test_a_failing_lookup_leaves_the_query_to_the_database(places):
    _connector, schema = places

    def broken(tree):
        raise TimeoutError("slow")

    sql = "SELECT area FROM state WHERE state_name = 'Texas'"
    result = check_literals(sql, schema, broken)
    assert (result.sql, result.fixes, result.doubts) == (sql, [], [])


def test_no_gold_query_of_the_defog_set_is_changed_or_doubted():
    from assistant.evaluation import EvalDatabases

    fired = []
    with EvalDatabases(DEFOG / "sqlite") as databases, open(DEFOG / "questions_sqlite.csv", newline="") as fh:
        schemas = {}
        for row in csv.DictReader(fh):
            conn = databases.get(row["db_name"])
            schema = schemas.setdefault(row["db_name"], conn.introspect())
            sql = row["query"].split(";")[0]
            result = check_literals(sql, schema, lambda tree: conn.run_tree(tree, row_limit=20).rows)
            if result.fixes or result.doubts:
                fired.append((row["db_name"], row["question"], result.fixes, result.doubts))
    assert fired == []


def test_a_sensitive_column_s_values_are_never_looked_up(places):
    connector, schema = places
    asked = []

    def run(tree):
        asked.append(tree)
        return connector.run_tree(tree, row_limit=20).rows

    result = check_literals("SELECT COUNT(*) FROM border_info WHERE border = 'Oklahome'", schema, run,
                            frozenset({("border_info", "border")}))
    assert (result.fixes, result.doubts, asked) == ([], [], [])
