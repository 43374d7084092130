"""ControllerClient against FastChat's real controller (a child process) and
real worker HTTP servers.

Most workers here run a scripted engine (a double at the engine interface)
so a test can make a worker slow, busy or hung on purpose; the embedding
worker runs the real all-MiniLM-L6-v2 model. Real model workers behind the
same client are exercised in tests/e2e (failover, OpenAI client). Every
request to the controller and the workers carries the cluster secret.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time

import httpx
import pytest
import uvicorn

from llm.client import ControllerClient, GenerateRequest, LLMBusy, LLMError, LLMUnavailable
from llm.cluster_auth import auth_headers
from llm.protocol import INVALID_MODEL, Chunk
from llm.worker_app import Slots, create_worker_app
from tests.support.helpers import REPO, free_port, offline_env

SECRET = "test-cluster-secret-0123456789"
AUTH = auth_headers(SECRET)


class ScriptedEngine:
    n_ctx = 512

    def __init__(self, pieces=5, delay=0.01, first_delay=0.0):
        self.pieces, self.delay, self.first_delay = pieces, delay, first_delay
        self.stopped_early = threading.Event()
        self.release = threading.Event()  # ends a deliberate hang at teardown

    def count_tokens(self, text):
        return len(text.split())

    def stream(self, params, cancelled=None):
        if self.first_delay:
            self.release.wait(self.first_delay)
        text = ""
        for i in range(self.pieces):
            if cancelled is not None and cancelled.is_set():
                self.stopped_early.set()
                return
            time.sleep(self.delay)
            text += f"t{i} "
            yield Chunk(text=text, finish_reason="stop" if i == self.pieces - 1 else None,
                        usage={"prompt_tokens": 1, "completion_tokens": i + 1, "total_tokens": i + 2})


class Worker:
    """A worker HTTP server in this process, registered by hand with the controller."""

    def __init__(self, engine, model, queue_size=4):
        self.engine, self.model_names = engine, [model]
        self.slots = Slots(queue_size)
        self.call_ct = 0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.busy_answers = 0
        app = create_worker_app(self, secret=SECRET)

        @app.middleware("http")
        async def count_busy(request, call_next):
            response = await call_next(request)
            self.busy_answers += response.status_code == 429
            return response

        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "worker server did not start"
            time.sleep(0.02)

    def get_status(self):
        return {"model_names": self.model_names, "speed": 1, "queue_length": self.slots.length}

    def get_conv_template(self):
        return {"conv": {}}

    def register(self, controller, queue_length=None):
        status = self.get_status()
        if queue_length is not None:
            status["queue_length"] = queue_length
        httpx.post(controller + "/register_worker", headers=AUTH, json={
            "worker_name": self.url, "check_heart_beat": False, "worker_status": status}).raise_for_status()
        return self

    def stop(self):
        getattr(self.engine, "release", threading.Event()).set()
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def controller(tmp_path_factory):
    port = free_port()
    env = offline_env({"DBGPT_CLUSTER_SECRET": SECRET, "DBGPT_DATA_DIR": str(tmp_path_factory.mktemp("controller"))})
    proc = subprocess.Popen([sys.executable, "-m", "server.cli.main", "controller", "--port", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.post(url + "/list_models", headers=AUTH, timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "controller did not start"
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def workers():
    started = []
    yield started
    for worker in started:
        worker.stop()


def start(workers, *args, **kwargs):
    worker = Worker(*args, **kwargs)
    workers.append(worker)
    return worker


def test_generate_stream_and_models_through_the_controller(controller, workers):
    start(workers, ScriptedEngine(), "m-basic").register(controller)
    client = ControllerClient(controller, "m-basic", secret=SECRET)

    async def go():
        chunks = [c async for c in client.stream(GenerateRequest(prompt="x"))]
        done = await client.generate(GenerateRequest(prompt="x"))
        return chunks, done, await client.list_models(), await client.ready()

    chunks, done, models, ready = asyncio.run(go())
    assert [c.text for c in chunks][-1] == "t0 t1 t2 t3 t4 " == done.text
    assert done.finish_reason == "stop" and done.usage["completion_tokens"] == 5
    assert "m-basic" in models and ready


def test_an_unreachable_worker_is_passed_over_and_dropped_from_the_controller(controller, workers):
    dead = f"http://127.0.0.1:{free_port()}"  # registered, then nothing listens there
    httpx.post(controller + "/register_worker", headers=AUTH, json={
        "worker_name": dead, "check_heart_beat": False,
        "worker_status": {"model_names": ["m-dead"], "speed": 1, "queue_length": 0}}).raise_for_status()
    live = start(workers, ScriptedEngine(), "m-dead").register(controller, queue_length=3)
    client = ControllerClient(controller, "m-dead", secret=SECRET)
    done = asyncio.run(client.generate(GenerateRequest(prompt="x")))
    assert done.text == "t0 t1 t2 t3 t4 "
    # The controller forgot the dead worker at once: every new request goes to the live one.
    addresses = {httpx.post(controller + "/get_worker_address", headers=AUTH,
                            json={"model": "m-dead"}).json()["address"]
                 for _ in range(4)}
    assert addresses == {live.url}


def test_a_busy_worker_is_passed_over_and_when_all_are_busy_the_error_says_so(controller, workers):
    hog = ScriptedEngine(pieces=1, first_delay=30)
    busy = start(workers, hog, "m-busy", queue_size=0).register(controller, queue_length=0)
    client = ControllerClient(controller, "m-busy", secret=SECRET)

    async def go():
        holder = asyncio.create_task(client.generate(GenerateRequest(prompt="hold")))
        while busy.slots.running == 0:
            await asyncio.sleep(0.02)
        with pytest.raises(LLMBusy, match="busy"):
            await client.generate(GenerateRequest(prompt="x"))
        # The controller's view is stale (as between heartbeats): it still picks the busy one first.
        busy.register(controller, queue_length=0)
        spare = start(workers, ScriptedEngine(), "m-busy").register(controller, queue_length=1)
        rejected = busy.busy_answers
        done = await client.generate(GenerateRequest(prompt="x"))
        assert busy.busy_answers == rejected + 1
        hog.release.set()
        await holder
        return spare, done

    spare, done = asyncio.run(go())
    assert done.text == "t0 t1 t2 t3 t4 " and spare.call_ct == 1


def test_a_caller_that_goes_away_stops_generation_on_the_worker(controller, workers):
    engine = ScriptedEngine(pieces=200, delay=0.05)
    worker = start(workers, engine, "m-cancel").register(controller)
    client = ControllerClient(controller, "m-cancel", secret=SECRET)

    async def go():
        stream = client.stream(GenerateRequest(prompt="x"))
        seen = [await anext(stream), await anext(stream)]
        await stream.aclose()
        return seen

    seen = asyncio.run(go())
    assert seen[-1].text == "t0 t1 "
    assert engine.stopped_early.wait(5), "the worker kept generating for a caller that left"
    deadline = time.monotonic() + 5
    while worker.slots.length and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker.slots.length == 0


def test_a_hung_worker_times_out_and_the_request_goes_to_another(controller, workers):
    hung = ScriptedEngine(first_delay=60)
    start(workers, hung, "m-hung").register(controller, queue_length=0)
    start(workers, ScriptedEngine(), "m-hung").register(controller, queue_length=1)
    client = ControllerClient(controller, "m-hung", secret=SECRET, timeout_s=1.0)
    started = time.monotonic()
    done = asyncio.run(client.generate(GenerateRequest(prompt="x")))
    assert done.text == "t0 t1 t2 t3 t4 "
    assert time.monotonic() - started < 15


def test_no_worker_at_all_is_unavailable_with_the_command_to_start_one(controller):
    client = ControllerClient(controller, "m-nobody", secret=SECRET)
    with pytest.raises(LLMUnavailable, match="dbgpt worker"):
        asyncio.run(client.generate(GenerateRequest(prompt="x")))
    with pytest.raises(LLMUnavailable, match="not reachable"):
        nowhere = ControllerClient(f"http://127.0.0.1:{free_port()}", "m", secret=SECRET)
        asyncio.run(nowhere.generate(GenerateRequest(prompt="x")))


def test_embeddings_from_a_real_embedding_worker(controller, workers):
    from llm.embedding_engine import EmbeddingEngine

    start(workers, EmbeddingEngine(n_threads=1), "emb-real").register(controller)
    start(workers, ScriptedEngine(), "m-text").register(controller)
    client = ControllerClient(controller, "emb-real", secret=SECRET)
    result = asyncio.run(client.embed(["How many customers are there?", "count the clients", "Paris weather"]))
    assert len(result.vectors) == 3 and len(result.vectors[0]) == 384 and result.tokens > 6
    a, b, c = result.vectors
    dot = lambda u, v: sum(x * y for x, y in zip(u, v))  # noqa: E731
    assert dot(a, b) > dot(a, c)  # a real model: related questions are closer
    with pytest.raises(LLMError) as refused:
        asyncio.run(client.for_model("m-text").embed(["x"]))
    assert refused.value.code == INVALID_MODEL
    with pytest.raises(LLMError, match="embedding model"):
        asyncio.run(client.generate(GenerateRequest(prompt="x")))


@pytest.mark.parametrize("how", ["generate", "stream"])
def test_a_cancelled_caller_stops_generation_on_the_worker(controller, workers, how):
    engine = ScriptedEngine(pieces=200, delay=0.05)
    worker = start(workers, engine, f"m-cancel-{how}").register(controller)
    client = ControllerClient(controller, f"m-cancel-{how}", secret=SECRET)

    async def consume():
        if how == "generate":
            return await client.generate(GenerateRequest(prompt="x"))
        async for _chunk in client.stream(GenerateRequest(prompt="x")):
            pass

    async def go():
        task = asyncio.create_task(consume())
        while worker.call_ct == 0:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # a few pieces are written
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    started = time.monotonic()
    asyncio.run(go())
    assert engine.stopped_early.wait(5), "the worker kept generating for a caller that was cancelled"
    assert time.monotonic() - started < 5
