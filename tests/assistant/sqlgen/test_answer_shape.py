import pytest

from assistant.sqlgen.answer_shape import Shape, shape_of


@pytest.mark.parametrize("sql, dialect, expected", [
    ("SELECT name FROM city", "sqlite", Shape()),
    ("SELECT CAST(SUM(paid) AS REAL) / COUNT(*) FROM orders", "sqlite", Shape(divides=True)),
    ("SELECT COUNT(*) FROM orders WHERE strftime('%Y', placed) = '2023'", "sqlite", Shape(dates=True)),
    ("SELECT julianday(shipped) - julianday(placed) FROM orders", "sqlite", Shape(dates=True)),
    ("SELECT COUNT(*) FROM orders WHERE placed >= CURRENT_DATE - INTERVAL '7 days'", "postgres", Shape(dates=True)),
    ("SELECT EXTRACT(YEAR FROM placed) AS y, 100.0 * COUNT(*) / SUM(COUNT(*)) OVER () FROM orders GROUP BY y",
     "postgres", Shape(divides=True, dates=True)),
    (None, "sqlite", Shape()),
    ("SELEC nonsense (", "sqlite", Shape()),
])
def test_what_the_answer_computes(sql, dialect, expected):
    assert shape_of(sql, dialect) == expected
