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


def test_each_table_joined_beyond_the_first_lowers_it():
    assert score(Evidence(tables=1)) == score(Evidence(tables=0)) == 1.0
    assert score(Evidence(tables=3)) < score(Evidence(tables=2)) < score(Evidence(tables=1))
    assert score(Evidence(tables=2)) >= CONFIDENT  # one join alone does not take confidence away


def test_an_answer_reports_the_tables_it_read_as_evidence(tmp_path):
    import asyncio
    import sqlite3

    from assistant.sqlgen.full import answer_full
    from connectors import connect
    from tests.server.conftest import ScriptedLLM

    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT);"
                          "CREATE TABLE store (id INTEGER PRIMARY KEY, city_id INTEGER REFERENCES city(id));"
                          "INSERT INTO city VALUES (1, 'Paris'); INSERT INTO store VALUES (1, 1), (2, 1);")
    llm = ScriptedLLM()
    llm.reply = ('{"sql": "SELECT city.name, COUNT(*) FROM city JOIN store ON store.city_id = city.id '
                 'GROUP BY city.name"}')
    answer = asyncio.run(answer_full("How many stores per city?", connect(f"sqlite:///{path}"), llm))
    assert answer.rows == [["Paris", 2]]
    assert answer.evidence["tables"] == 2 and answer.confidence == score(Evidence(tables=2))


def test_a_ratio_or_date_arithmetic_is_not_shown_as_confident_alone_with_a_join():
    assert score(Evidence(divides=True)) < score(Evidence()) and score(Evidence(dates=True)) < score(Evidence())
    assert score(Evidence(divides=True)) < CONFIDENT
    assert score(Evidence(dates=True, tables=2)) < CONFIDENT


def test_a_query_the_model_wrote_unsure_of_itself_scores_lower():
    sure, unsure = Evidence(likelihood=-0.02), Evidence(likelihood=-0.4)
    assert score(unsure) < score(sure) < score(Evidence())
    assert score(sure) >= CONFIDENT > score(unsure)  # a per-token probability of 0.67 is no confident answer


def test_a_repaired_querys_likelihood_is_not_counted():
    # Rewritten with the earlier query in view, a repair copies most of it: near-certain tokens say little.
    assert score(Evidence(repairs=1, likelihood=-0.01)) == score(Evidence(repairs=1, likelihood=-0.5)) \
        == score(Evidence(repairs=1))
