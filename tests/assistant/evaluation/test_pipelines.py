import pytest

from assistant.evaluation.models import EvalQuestion
from assistant.evaluation.pipelines import pipeline_predictor, vote_candidates
from connectors import connect
from llm.client import Completion
from llm.protocol import Chunk
from tests.support.helpers import city_db


def test_vote_pipelines_name_their_candidates():
    assert vote_candidates("full-vote3") == 3
    for wrong in ("full-vote", "full-vote1", "full-vote9", "full-votex"):
        with pytest.raises(ValueError):
            vote_candidates(wrong)


class Replies:
    """Answers every request with the next reply, as a stream."""

    def __init__(self, *replies):
        self.replies, self.requests = list(replies), []

    async def stream(self, request):
        self.requests.append(request)
        yield Chunk(text=self.replies.pop(0), finish_reason="stop", usage={})

    async def generate(self, request):
        return Completion(text=self.replies.pop(0), finish_reason="stop", usage={})


def test_a_vote_pipeline_asks_for_each_candidate_and_reports_the_agreement(tmp_path):
    connector = connect(f"sqlite:///{city_db(tmp_path)}")
    llm = Replies("```sql\nSELECT COUNT(*) FROM city\n```\nn", "```sql\nSELECT COUNT(id) FROM city\n```\nn",
                  "```sql\nSELECT 5\n```\nn")
    question = EvalQuestion(id=0, db_name="city", question="how many cities", gold_sql=("SELECT 2",))
    prediction = pipeline_predictor("full-vote3", llm)(question, connector)
    connector.close()
    assert len(llm.requests) == 3 and [r.temperature for r in llm.requests][0] == 0.0
    assert prediction.sql in ("SELECT COUNT(*) FROM city", "SELECT COUNT(id) FROM city")
    assert prediction.confidence == pytest.approx(2 / 3, abs=1e-3)


def test_the_full_index_pipeline_turns_the_value_indexs_hints_on(tmp_path):
    connector = connect(f"sqlite:///{city_db(tmp_path)}")
    llm = Replies("```sql\nSELECT COUNT(*) FROM city\n```\nn")
    question = EvalQuestion(id=0, db_name="city", question="how many cities", gold_sql=("SELECT 2",))
    prediction = pipeline_predictor("full-index", llm)(question, connector)
    connector.close()
    assert prediction.sql == "SELECT COUNT(*) FROM city" and len(llm.requests) == 1
