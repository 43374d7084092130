"""Requests to change data are refused in words; questions that read are not touched."""

import asyncio
import csv

import pytest

from assistant.sqlgen.full import answer_full
from assistant.sqlgen.intent import write_intent
from tests.support.helpers import DEFOG

WRITES = [
    ("delete all customers", "delete"),
    ("Please remove the orders from 2020", "remove"),
    ("can you drop the products table", "drop"),
    ("Update the price of product 3 to 10", "update"),
    ("set the status of order 5 to shipped", "set"),
    ("Change the email of customer 7 to a@b.c", "change"),
    ("add a new customer named Bob", "add"),
    ("create a table of top customers", "create"),
    ("I want to truncate the logs", "truncate"),
    ("mark order 12 as paid", "mark"),
    ("Insert a row into city", "insert"),
]

READS = [
    "How many customers are there?",
    "Which orders were deleted last month?",
    "Show customers who updated their email",
    "add up the total sales per region",
    "Change in revenue between 2022 and 2023",
    "Set of products never ordered",
    "What is the average order value by country, highest first?",
    "List the removed items",
    "Create date of the newest account?",
]


@pytest.mark.parametrize("question, verb", WRITES)
def test_requests_to_change_data_are_named(question, verb):
    assert write_intent(question) == verb


@pytest.mark.parametrize("question", READS)
def test_questions_that_read_are_left_alone(question):
    assert write_intent(question) is None


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_no_evaluation_question_reads_as_a_write(dialect):
    with open(DEFOG / f"questions_{dialect}.csv", newline="") as fh:
        flagged = [row["question"] for row in csv.DictReader(fh) if write_intent(row["question"])]
    assert flagged == []


class NeverCalled:
    model = "none"

    async def generate(self, request):
        raise AssertionError("a write request must not reach the model")


class NoDatabase:
    def introspect(self, refresh=False):
        raise AssertionError("a write request must not reach the database")


def test_the_pipeline_answers_a_write_request_in_words_with_no_sql():
    answer = asyncio.run(answer_full("delete all customers", NoDatabase(), NeverCalled()))
    assert answer.sql is None and answer.rows == []
    assert answer.error.kind == "refused" and answer.error.rule == "write_intent"
    assert answer.error.message.startswith("I only read data")
