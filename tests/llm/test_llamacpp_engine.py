"""The real default model through our engine (slow-ish: a few seconds each)."""

import json
import threading
import time

import pytest

from llm.protocol import CONTEXT_OVERFLOW, OK

pytestmark = pytest.mark.model


def _last(chunks):
    items = list(chunks)
    assert items, "no chunk at all"
    return items


def test_stream_grows_and_ends_with_a_reason(engine):
    chunks = _last(engine.stream({"prompt": "SELECT name FROM", "max_new_tokens": 12}))
    texts = [c.text for c in chunks]
    assert all(texts[i + 1].startswith(texts[i]) for i in range(len(texts) - 1))  # whole text so far
    assert chunks[-1].finish_reason in ("stop", "length")
    assert chunks[-1].usage["completion_tokens"] >= 1
    assert chunks[-1].usage["prompt_tokens"] == engine.count_tokens("SELECT name FROM")


def test_stop_strings_end_generation(engine):
    params = {"prompt": "Count from one to ten in words, comma separated: one, two,", "max_new_tokens": 40,
              "stop": [" five"]}
    text = _last(engine.stream(params))[-1].text
    assert "five" not in text
    assert "three" in text


def test_json_schema_output_always_parses(engine):
    schema = {"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"]}
    params = {
        "messages": [
            {"role": "system", "content": "CREATE TABLE t(id int, name text);"},
            {"role": "user", "content": "Write a query that lists all names."},
        ],
        "max_new_tokens": 60,
        "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}},
    }
    final = _last(engine.stream(params))[-1]
    assert final.error_code == OK
    assert "select" in json.loads(final.text)["sql"].lower()


def test_a_prompt_over_the_context_is_a_clear_error(engine):
    chunks = _last(engine.stream({"prompt": "word " * 3000, "max_new_tokens": 10}))
    assert chunks[-1].error_code == CONTEXT_OVERFLOW
    assert "context length" in chunks[-1].text


def test_cancellation_stops_generation_early(engine):
    cancelled = threading.Event()
    produced = []
    for chunk in engine.stream({"prompt": "Write a long story about databases.", "max_new_tokens": 200}, cancelled):
        produced.append(chunk)
        if len(produced) == 3:
            cancelled.set()
    assert produced[-1].finish_reason == "cancelled"
    assert len(produced) <= 5


def test_cancellation_stops_a_long_prompt_before_its_first_token(engine):
    """Reading a long prompt (a whole schema) takes the longest, before any token
    comes: a caller who leaves then frees the engine at once, and the next
    generation answers as it would have."""
    short = {"prompt": "SELECT name FROM", "max_new_tokens": 8}
    expected = _last(engine.stream(short))[-1].text
    prompt = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount REAL);\n" * 90 + "SELECT"
    cancelled, finished, produced = threading.Event(), threading.Event(), []

    def generate():
        produced.extend(engine.stream({"prompt": prompt, "max_new_tokens": 8}, cancelled))
        finished.set()

    threading.Thread(target=generate, daemon=True).start()
    time.sleep(0.3)
    cancelled.set()
    left = time.monotonic()
    assert finished.wait(600)
    assert time.monotonic() - left < 2, "the engine read the whole prompt for a caller that had left"
    assert produced[-1].finish_reason == "cancelled" and produced[-1].usage["completion_tokens"] == 0
    assert _last(engine.stream(short))[-1].text == expected


def test_log_probabilities_of_the_chosen_tokens_leave_the_text_unchanged(engine):
    params = {"prompt": "SELECT name FROM", "max_new_tokens": 8}
    plain = _last(engine.stream(params))[-1]
    scored = _last(engine.stream({**params, "logprobs": True}))[-1]
    assert scored.text == plain.text  # the recording does not steer the choice
    assert plain.token_logprobs is None
    assert len(scored.tokens) == len(scored.token_logprobs) >= 1
    assert scored.text.startswith("".join(scored.tokens))  # at most the last token is unrecorded
    assert all(-50 < p <= 0 for p in scored.token_logprobs)
    assert max(scored.token_logprobs) > -1  # greedy picks the likeliest token: some are near-certain
