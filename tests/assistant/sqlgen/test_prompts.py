import pytest

from assistant.sqlgen import prompts

VARIABLES = {
    "plain_system": {"dialect_name": "SQLite", "schema": "CREATE TABLE t(a int);", "row_limit": "100"},
    "plain_user": {"question": "How many rows?"},
    "full_system": {"dialect_name": "PostgreSQL", "schema": "CREATE TABLE t(a int);",
                    "dialect_notes": "- use ILIKE"},
    "full_user": {"context": "Hint: t.a is an id.\n", "question": "How many rows?"},
    "follow_up_user": {"context": "Hint: t.a is an id.\n", "question": "only for 2023"},
    "repair_user": {"error": "column b does not exist"},
    "dialect_sqlite": {},
    "dialect_postgres": {},
    "dialect_mysql": {},
    "dialect_duckdb": {},
}


def test_every_template_has_test_variables():
    assert set(prompts.names()) == set(VARIABLES)


@pytest.mark.parametrize("name", sorted(VARIABLES))
def test_each_template_renders_with_its_variables(name):
    text = prompts.render(name, **VARIABLES[name])
    assert "$" not in text.replace("$$", "")
    for value in VARIABLES[name].values():
        assert value in text


@pytest.mark.parametrize("name", sorted(n for n in VARIABLES if VARIABLES[n]))
def test_a_missing_variable_is_an_error_not_a_blank(name):
    with pytest.raises(KeyError):
        prompts.render(name)
