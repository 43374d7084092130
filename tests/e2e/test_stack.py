"""The real stack as a user runs it: `dbgpt serve` starts the FastChat
controller, a llama.cpp worker with the default model and the API, with the
outbound network cut off; a question about the demo database comes back with
the rows that our own SQL computes."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.helpers import DEFOG, REPO, model_file, offline_env, running_stack
from tests.support.sse import sse_events

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("stack-data")
    with running_stack(data_dir, {"DBGPT_N_CTX": "4096"}) as (url, proc):
        yield url, data_dir, proc


def _children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_question_about_the_demo_database_returns_the_true_rows(stack):
    url, data_dir, proc = stack
    response = httpx.post(url + "/api/v1/sql/generate", headers=proc.headers,
                          json={"question": "How many customers are there?", "db": "demo"}, timeout=300)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["error"] is None, body
    with sqlite3.connect(data_dir / "demo" / "shop.sqlite") as con:
        expected = [list(r) for r in con.execute("SELECT COUNT(*) FROM customers")]
    assert body["rows"] == expected
    assert body["sql"] and body["timings"]["generate"] > 0
    # The worker's token log-probabilities reach the confidence through the controller.
    evidence = body["evidence"]
    assert evidence["least_likely"] <= evidence["likelihood"] <= 0


def test_the_one_chat_routes_a_data_question_to_sql_and_returns_the_true_rows(stack):
    url, data_dir, proc = stack
    with httpx.stream("POST", url + "/api/v1/chat", headers=proc.headers, timeout=300,
                      json={"message": "How many customers are there?", "db": "demo"}) as response:
        assert response.status_code == 200, response.read()
        events = list(sse_events(response.iter_lines()))
    names = [name for name, _ in events]
    assert names[0] == "route" and events[0][1]["skill"] == "sql", events[0]
    assert names[-1] == "done"
    rows = [data for name, data in events if name == "rows"]
    with sqlite3.connect(data_dir / "demo" / "shop.sqlite") as con:
        expected = [list(r) for r in con.execute("SELECT COUNT(*) FROM customers")]
    assert rows and rows[0]["rows"] == expected
    # The turn is kept: the conversation lists it.
    conversation = next(data for name, data in events if name == "conversation")["conversation_id"]
    stored = httpx.get(f"{url}/api/v1/conversations/{conversation}", headers=proc.headers).json()
    assert stored["turns"][0]["skill"] == "sql" and stored["turns"][0]["sql"]


def test_unknown_database_through_the_real_stack_is_404(stack):
    url, _data_dir, proc = stack
    response = httpx.post(url + "/api/v1/sql/generate", json={"question": "How many?", "db": "missing"},
                          headers=proc.headers)
    assert response.status_code == 404
    stranger = httpx.post(url + "/api/v1/sql/generate", json={"question": "How many?", "db": "demo"})
    assert stranger.status_code == 401


def test_the_printed_link_signs_in_and_the_chat_page_answers_with_the_real_model(stack, page):
    url, data_dir, proc = stack
    page.goto(url)
    page.wait_for_selector("#login")  # a stranger gets the login page
    page.goto(proc.login_url)  # the one-time link `dbgpt serve` printed
    page.wait_for_selector("#model-status.ok")
    page.fill("#input", "How many customers are there?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#send:not([disabled])", timeout=300_000)
    turn = page.locator("article.turn").last
    with sqlite3.connect(data_dir / "demo" / "shop.sqlite") as con:
        (count,) = con.execute("SELECT COUNT(*) FROM customers").fetchone()
    assert turn.locator("tbody td").all_inner_texts() == [str(count)]
    assert "".join(ch for ch in turn.locator(".figure").inner_text() if ch.isdigit()).startswith(str(count))
    assert "customers" in turn.locator("textarea.sql").input_value().lower()


def _worker_pid(serve_pid: int) -> int:
    (pid,) = [c for c in _children_of(serve_pid) if b"worker" in Path(f"/proc/{c}/cmdline").read_bytes()]
    return pid


def _count_customers(url: str, headers: dict) -> httpx.Response:
    return httpx.post(url + "/api/v1/sql/generate", headers=headers,
                      json={"question": "How many customers are there?", "db": "demo"}, timeout=300)


def test_answers_dropped_mid_stream_leave_the_worker_serving(stack):
    # Each hang-up cancels the worker's stream while llama.cpp is decoding; the
    # next request must wait for that thread, or the worker process crashes.
    url, _data_dir, proc = stack
    worker = _worker_pid(proc.pid)
    chat = {"model": "qwen2.5-coder-1.5b-instruct", "stream": True, "max_tokens": 200,
            "messages": [{"role": "user", "content": "Write a long story about databases."}]}
    for _ in range(6):
        with httpx.stream("POST", url + "/v1/chat/completions", json=chat, headers=proc.headers,
                          timeout=120) as response:
            assert response.status_code == 200
            next(line for line in response.iter_lines() if '"content"' in line)  # then hang up
    assert _count_customers(url, proc.headers).status_code == 200
    assert _worker_pid(proc.pid) == worker


def test_a_crashed_worker_is_a_503_then_comes_back_by_itself(stack):
    url, _data_dir, proc = stack
    os.kill(_worker_pid(proc.pid), signal.SIGKILL)
    down = httpx.post(url + "/v1/chat/completions", timeout=30, headers=proc.headers, json={
        "model": "qwen2.5-coder-1.5b-instruct", "messages": [{"role": "user", "content": "Hi"}]})
    assert down.status_code == 503 and "worker" in down.json()["error"]["message"]
    deadline = time.monotonic() + 180
    while httpx.get(url + "/healthz", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the worker did not come back"
        time.sleep(0.5)
    assert _count_customers(url, proc.headers).status_code == 200


def test_ctrl_c_stops_every_child_process(stack):
    url, _data_dir, proc = stack
    children = _children_of(proc.pid)
    assert len(children) == 2  # controller and worker
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{c}") for c in children):
        time.sleep(0.2)
    alive = [c for c in children if os.path.exists(f"/proc/{c}")
             and open(f"/proc/{c}/status").read().find("State:\tZ") == -1]
    assert alive == []


def test_cli_sql_on_any_sqlite_file_without_a_server(tmp_path):
    db = DEFOG / "sqlite" / "restaurants.sqlite"
    env = offline_env({"DBGPT_DATA_DIR": str(tmp_path), "DBGPT_MODEL_PATH": str(model_file())})
    result = subprocess.run(
        [sys.executable, "-m", "server.cli.main", "sql", "How many restaurants are there?",
         "--db", f"sqlite:///{db}", "--json"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"sql", "columns", "rows", "timings"} <= set(answer)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        expected = [list(r) for r in con.execute("SELECT COUNT(*) FROM restaurant")]
    assert answer["rows"] == expected
