"""Keyword search pieces and the token counter, on real text."""


import pytest

from knowledge.bm25 import BM25, reciprocal_rank_fusion
from knowledge.text import (calendar_name_kind, names_table, plurals, singular, split_identifier, words,
                            words_with_singulars)
from knowledge.tokens import count_tokens
from tests.support.helpers import DEFOG


def test_identifiers_and_questions_meet_on_the_same_words():
    assert split_identifier("sbCustEmail_2") == ["sb", "cust", "email", "2"]
    assert words("customer_orders") == words("Which customers have orders?") == ["customer", "order"]
    assert words("the categories") == ["category"]



def test_singular_and_plural_forms_meet():
    assert [singular(w) for w in ["categories", "boxes", "orders", "class", "status", "analysis", "bus"]] == [
        "category", "box", "order", "class", "status", "analysis", "bus"]
    assert {"buses", "categories"} <= plurals("bus") | plurals("category")
    assert "days" in plurals("day") and "daies" not in plurals("day")
    assert words_with_singulars("Customers of the categories") >= {"customers", "customer", "categories", "category"}


def test_a_key_named_for_a_table_refers_to_it():
    assert names_table("order_id", "orders") and names_table("orderid", "order") and names_table("bus_id", "buses")
    assert names_table("category_id", "categories")
    assert not names_table("id", "orders") and not names_table("order_no", "orders") and not names_table(
        "customer_id", "orders")


def test_month_and_day_names_are_told_apart_from_other_words():
    assert [calendar_name_kind(v) for v in ["Monday", "sun", "March", "dec", "May"]] == ["day", "day", "month", "month", "month"]
    assert [calendar_name_kind(v) for v in ["Mo", "Mayor", "2023-01-01", 5, None]] == [None] * 5

def test_bm25_ranks_the_document_with_the_rare_matching_term_first():
    docs = ["orders placed by customers", "customers and their cities", "products in each category", "the the the"]
    index = BM25(docs)
    top = index.top("which category has most products", 3)
    assert top[0][0] == 2 and top[0][1] > 0
    assert all(i != 3 for i, _ in top)  # stop words only: never matched
    assert index.top("zebra", 3) == []


def test_bm25_mask_filters_documents_out():
    import numpy as np

    index = BM25(["red apple", "red car", "blue car"])
    top = index.top("red", 5, mask=np.array([False, True, True]))
    assert [i for i, _ in top] == [1]


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "a"], ["b"]])
    assert max(fused, key=fused.get) == "b"
    assert fused["c"] == pytest.approx(1 / 63)


def _defog_ddls() -> list[str]:
    from assistant.sqlgen.schema_text import table_ddl
    from connectors import connect

    texts = []
    for db in ("academic", "atis", "ewallet"):
        conn = connect(str(DEFOG / "sqlite" / f"{db}.sqlite"))
        texts += [table_ddl(t, "sqlite") for t in conn.introspect().tables]
        conn.close()
    return texts


def test_token_count_never_undercounts_the_real_tokenizer():
    from llama_cpp import Llama

    from tests.support.helpers import model_file

    vocab = Llama(str(model_file()), vocab_only=True, verbose=False)
    texts = _defog_ddls() + ["SELECT name FROM city WHERE id = 12345;", "数据库 问题 São Paulo"]
    for text in texts:
        exact = len(vocab.tokenize(text.encode(), add_bos=False, special=False))
        assert exact <= count_tokens(text) <= 1.6 * exact + 2, text[:80]


def test_bm25_counts_the_documents_that_hold_a_term():
    index = BM25(["vacuum the file", "vacuum again", "analyze the tables"])
    assert [index.document_frequency(t) for t in words("vacuum tables nothing")] == [2, 1, 0]
    assert BM25([]).document_frequency("vacuum") == 0
