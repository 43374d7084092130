from assistant.sqlgen.vote import Candidate, vote


def test_the_largest_agreeing_group_wins():
    a = Candidate("SELECT 1", ["n"], [[1], [2]])
    b = Candidate("SELECT 2", ["m"], [[2], [1]])  # same multiset, other names and order
    c = Candidate("SELECT 3", ["n"], [[3]])
    winner, confidence = vote([c, a, b])
    assert winner is a and confidence == 2 / 3


def test_ties_go_to_the_earliest_candidate():
    a, b = Candidate("a", ["n"], [[1]]), Candidate("b", ["n"], [[2]])
    assert vote([a, b]) == (a, 0.5)


def test_duplicates_count_in_the_multiset():
    a = Candidate("a", ["n"], [[1], [1]])
    b = Candidate("b", ["n"], [[1]])
    assert vote([a, b])[1] == 0.5


def test_no_candidates():
    assert vote([]) == (None, 0.0)
