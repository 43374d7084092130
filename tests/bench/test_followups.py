"""bench/followups.py's dialogues: enough of them, split as documented, each gold query
running on the demo database, and the scoring the bench uses (without a model)."""

import json

import pytest

from bench.followups import DIALOGUES, DemoDatabase, mark_of, score_turn, summary
from demo.build import build_demo_db

SPEC = json.loads(DIALOGUES.read_text())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    database = DemoDatabase(build_demo_db(tmp_path_factory.mktemp("demo") / "shop.sqlite"))
    yield database
    database.close()


def test_thirty_or_more_dialogues_of_two_or_three_turns_every_third_held_out():
    dialogues = SPEC["dialogues"]
    assert len(dialogues) >= 30 and all(2 <= len(d["turns"]) <= 3 for d in dialogues)
    assert [d["split"] for d in dialogues] == ["held_out" if i % 3 == 2 else "tuning" for i in range(len(dialogues))]
    assert len({d["id"] for d in dialogues}) == len(dialogues)
    for turn in (t for d in dialogues for t in d["turns"]):
        assert turn["skill"] in ("sql", "diagnose", "schema") and turn["message"] and turn["gold"]
        assert turn.get("chart") in (None, "bar", "line", "point")


def test_every_gold_query_runs_on_the_demo_database(demo):
    connector = demo.get("demo")
    for dialogue in SPEC["dialogues"]:
        for turn in dialogue["turns"]:
            assert connector.run(turn["gold"]).rows, (dialogue["id"], turn["message"])


def test_a_turn_is_right_with_the_skill_the_rows_the_chart_and_the_tables_asked_for(demo):
    turn = {"message": "as a line chart", "skill": "sql", "chart": "line",
            "gold": "SELECT channel, COUNT(*) FROM orders GROUP BY channel"}
    answer = {"route": {"skill": "sql", "seconds": 0.1},
              "done": {"sql": "SELECT COUNT(*) AS n, channel FROM orders GROUP BY 2", "timings": {"execute": 0.2}},
              "chart": {"mark": {"type": "line", "point": True}}}
    assert mark_of(answer["chart"]) == "line"
    right = score_turn(turn, answer, 1.0, demo, 0)
    assert right["right"] and right["timings"] == {"execute": 0.2, "route": 0.1}
    wrong = score_turn(turn, {**answer, "chart": {"mark": "bar"}, "route": {"skill": "diagnose"}}, 1.0, demo, 1)
    assert not wrong["right"] and len(wrong["problems"]) == 2
    rows = [{"split": "tuning", "turn": 1, "mode": "conversation", "right": True, "seconds": 2.0},
            {"split": "tuning", "turn": 2, "mode": "conversation", "right": True, "seconds": 4.0},
            {"split": "tuning", "turn": 2, "mode": "alone", "right": False, "seconds": 6.0}]
    result = summary(rows)["tuning"]
    assert result["conversation"]["overall"] == {"n": 2, "right": 2, "ex": 1.0, "p50_s": 4.0}
    assert result["alone"]["follow-ups"]["ex"] == 0.0 and "1" not in result["alone"]
