"""The worker's HTTP side with a scripted engine (a double at the engine interface).

The real engine behind the same routes is exercised by tests/e2e.
"""

import asyncio
import threading
import time

import httpx
import pytest

from llm.cluster_auth import auth_headers
from llm.protocol import ENGINE_OVERLOADED, Chunk
from llm.worker_app import Slots, create_worker_app
from tests.support.helpers import serve_app

SECRET = "test-cluster-secret-0123456789"


class ScriptedEngine:
    n_ctx = 512

    def __init__(self, pieces=5, delay=0.05):
        self.pieces, self.delay = pieces, delay
        self.running = 0
        self.max_running = 0
        self.stopped_early = threading.Event()

    def count_tokens(self, text):
        return len(text.split())

    def stream(self, params, cancelled=None):
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            text = ""
            for i in range(self.pieces):
                if cancelled is not None and cancelled.is_set():
                    self.stopped_early.set()
                    return
                time.sleep(self.delay)
                text += f"t{i} "
                yield Chunk(text=text, finish_reason="stop" if i == self.pieces - 1 else None)
        finally:
            self.running -= 1


class FakeWorker:
    def __init__(self, engine, queue_size=1):
        self.engine = engine
        self.slots = Slots(queue_size)
        self.call_ct = 0
        self.model_names = ["fake"]

    def get_status(self):
        return {"model_names": self.model_names, "speed": 1, "queue_length": self.slots.length}

    def get_conv_template(self):
        return {"conv": {}}


@pytest.fixture
def worker():
    return FakeWorker(ScriptedEngine())


def client_for(worker):
    transport = httpx.ASGITransport(app=create_worker_app(worker, secret=SECRET))
    return httpx.AsyncClient(transport=transport, base_url="http://worker", headers=auth_headers(SECRET))


def test_stream_answers_nul_separated_chunks(worker):
    async def go():
        async with client_for(worker) as client:
            response = await client.post("/worker_generate_stream", json={"prompt": "x"})
            return [Chunk.decode(p) for p in response.content.split(b"\0") if p]

    chunks = asyncio.run(go())
    assert [c.text for c in chunks][-1] == "t0 t1 t2 t3 t4 "
    assert chunks[-1].finish_reason == "stop"


def test_requests_run_one_at_a_time_and_a_full_queue_says_busy(worker):
    async def go():
        async with client_for(worker) as client:
            calls = [client.post("/worker_generate", json={"prompt": str(i)}) for i in range(4)]
            return await asyncio.gather(*calls)

    responses = asyncio.run(go())
    codes = sorted(r.status_code for r in responses)
    # One runs, one waits (queue_size=1), the rest are told the worker is busy.
    assert codes.count(200) >= 2
    busy = [r for r in responses if r.status_code == 429]
    assert busy and all(r.json()["error_code"] == ENGINE_OVERLOADED for r in busy)
    assert worker.engine.max_running == 1


def test_status_and_token_count(worker):
    async def go():
        async with client_for(worker) as client:
            status = (await client.post("/worker_get_status")).json()
            count = (await client.post("/count_token", json={"prompt": "a b c"})).json()
            details = (await client.post("/model_details")).json()
            return status, count, details

    status, count, details = asyncio.run(go())
    assert status["model_names"] == ["fake"]
    assert count == {"count": 3, "error_code": 0}
    assert details == {"context_length": 512}


def test_a_client_that_hangs_up_never_overlaps_two_generations():
    # Over a real server: Starlette cancels a disconnected response's scope,
    # and the next request must still wait for the engine thread to finish
    # (llama.cpp crashes when two threads decode on one context).
    worker = FakeWorker(ScriptedEngine(pieces=40, delay=0.02), queue_size=4)
    with (serve_app(create_worker_app(worker, secret=SECRET)) as url,
          httpx.Client(timeout=30, headers=auth_headers(SECRET)) as client):
        for _ in range(8):
            with client.stream("POST", url + "/worker_generate_stream", json={"prompt": "x"}) as response:
                next(response.iter_bytes())
        answer = client.post(url + "/worker_generate", json={"prompt": "x"}).json()
    assert worker.engine.max_running == 1
    assert worker.engine.stopped_early.is_set()
    assert answer["finish_reason"] == "stop"
