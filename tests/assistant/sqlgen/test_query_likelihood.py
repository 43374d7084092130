import pytest

from assistant.sqlgen.query_likelihood import query_likelihood


def test_only_the_querys_tokens_count_not_the_explanation():
    tokens = ["```", "sql", "\n", "SELECT", " name", " FROM", " t", "\n", "```", "\n", "This", " lists", "."]
    logprobs = [-0.1, -0.1, 0.0, -0.2, -1.0, -0.3, -0.5, 0.0, -0.1, 0.0, -4.0, -4.0, -4.0]
    found = query_likelihood(tokens, logprobs)
    assert found.tokens == 4  # SELECT, name, FROM, t: the newlines are layout
    assert found.mean == pytest.approx(-0.5)
    assert found.least == -1.0


def test_an_unfenced_query_counts_from_its_first_keyword():
    tokens = ["Here", ":", " SELECT", " 1"]
    found = query_likelihood(tokens, [-3.0, -3.0, -0.2, -0.4])
    assert found.tokens == 2 and found.least == -0.4


def test_no_log_probabilities_leave_the_likelihood_unknown():
    assert query_likelihood(None, None) is None
    assert query_likelihood(["SELECT"], []) is None
