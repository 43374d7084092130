import pytest

from assistant.sqlgen.error_advice import advise


@pytest.mark.parametrize("message, advice", [
    ("aggregate function calls cannot be nested", "subquery"),
    ("misuse of aggregate function COUNT()", "subquery"),
    ('column "t.name" must appear in the GROUP BY clause or be used in an aggregate function', "GROUP BY"),
    ('invalid input syntax for type bigint: "Yes"', "value of its own type"),
    ("function pg_catalog.extract(unknown, text) does not exist", "column is text"),
    ("operator does not exist: date >= numeric", "DATE '2023-01-01'"),
    ("refused by rule 'multiple_statements': exactly one statement may run; got 2", "a single SELECT"),
    ("expected one statement, found 2", "GROUP BY the column that tells them apart"),
])
def test_known_errors_get_the_rewrite_that_resolves_them(message, advice):
    text = advise(message)
    assert text.startswith(message) and advice in text


def test_other_errors_pass_unchanged():
    assert advise("no such table: x") == "no such table: x"
