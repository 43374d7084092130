from assistant.sqlgen.confidence import CONFIDENT, Evidence, label, score


def test_a_clean_first_try_is_confident():
    assert score(Evidence()) == 1.0 and label(score(Evidence())) == "high"


def test_each_sign_of_trouble_lowers_it():
    clean = score(Evidence())
    for troubled in (Evidence(repairs=1), Evidence(doubts=1), Evidence(empty=True), Evidence(agreement=2 / 3)):
        assert score(troubled) < clean
    assert score(Evidence(repairs=2)) < score(Evidence(repairs=1))
    assert score(Evidence(doubts=1, empty=True)) < score(Evidence(doubts=1))


def test_a_kept_doubt_or_an_empty_result_is_never_shown_as_confident():
    assert score(Evidence(doubts=1)) < CONFIDENT
    assert score(Evidence(empty=True)) < CONFIDENT
    assert label(score(Evidence(doubts=2, repairs=2))) == "low"
    assert label(None) == "low"
