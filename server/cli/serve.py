"""`dbgpt serve`, `dbgpt controller`, `dbgpt worker`: the running product."""

from __future__ import annotations

import os
import socket
import threading
import time

import httpx
import typer
import uvicorn

from server.cli.common import cluster_secret, console, ensure_model, fail, load_settings
from server.supervisor import PortInUse, Supervisor, port_open, require_free


def _heartbeat_env(settings) -> dict[str, str]:
    # FastChat reads these at import time, so they travel as environment.
    return {
        "FASTCHAT_WORKER_HEART_BEAT_INTERVAL": str(settings.worker_heartbeat_s),
        "FASTCHAT_CONTROLLER_HEART_BEAT_EXPIRATION": str(settings.worker_expiry_s),
    }


def _with_cluster_secret(settings):
    # Resolved once, before anything starts: a missing secret file fails here,
    # and every part started from these settings shares the one secret.
    return settings.model_copy(update={"cluster_secret": cluster_secret(settings)})


def _fastchat_logs_to_data_dir() -> None:
    # FastChat writes its log files into $LOGDIR (default: the current folder).
    logs = load_settings().logs_path
    logs.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LOGDIR", str(logs))


def serve(
    host: str = typer.Option(None, help="Address of the API (default 127.0.0.1)."),
    port: int = typer.Option(None, help="Port of the API (default 5670)."),
) -> None:
    """Start the controller, one llama.cpp worker and the API; Ctrl-C stops them all."""
    settings = load_settings(host=host, port=port)
    settings.ensure_dirs()
    settings = _with_cluster_secret(settings)
    try:
        require_free(settings.host, settings.port, "API")
        if settings.controller_url is None:
            require_free(settings.host, settings.controller_port, "model controller")
        require_free(settings.host, settings.worker_port, "model worker")
    except PortInUse as exc:
        raise fail(str(exc)) from exc
    model_path = ensure_model(settings)
    from demo.build import build_demo_db

    build_demo_db(settings.demo_db_path)

    supervisor = Supervisor(settings.logs_path, report=lambda line: console.print(f"[yellow]{line}[/]"))
    env = {**_heartbeat_env(settings), "DBGPT_CLUSTER_SECRET": settings.cluster_secret}
    try:
        if settings.controller_url is None:
            supervisor.start("controller", ["controller", "--host", settings.host,
                                            "--port", str(settings.controller_port)], env, restart=True)
            supervisor.wait_for(lambda: port_open(settings.host, settings.controller_port), "the controller", 60)
        supervisor.start("worker", [
            "worker", "--backend", "llamacpp", "--model", settings.model_name, "--model-path", str(model_path),
            "--host", settings.host, "--port", str(settings.worker_port),
            "--controller-url", settings.resolved_controller_url,
        ], env, restart=True)
        # A crashed worker answers 503 until it is back: it restarts and
        # registers again, with no restart of the API or the controller.
        supervisor.watch()
        _announce_when_healthy(settings)
        _run_api(settings)
    finally:
        supervisor.stop()


def api(
    host: str = typer.Option(None, help="Address of the API (default 127.0.0.1; 0.0.0.0 in a container)."),
    port: int = typer.Option(None, help="Port of the API (default 5670)."),
) -> None:
    """Start the API and chat page alone, against a controller that runs elsewhere
    (DBGPT_CONTROLLER_URL), for deployments where the models live on other machines."""
    settings = load_settings(host=host, port=port)
    settings.ensure_dirs()
    settings = _with_cluster_secret(settings)
    try:
        require_free(settings.host, settings.port, "API")
    except PortInUse as exc:
        raise fail(str(exc)) from exc
    from demo.build import build_demo_db

    build_demo_db(settings.demo_db_path)
    console.print(f"models through the controller at {settings.resolved_controller_url}")
    _announce_when_healthy(settings)
    _run_api(settings)


def _run_api(settings) -> None:
    from server.app import create_app

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


_ANY_ADDRESS = ("0.0.0.0", "::", "")


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _announce_when_healthy(settings) -> None:
    from server.cli.users import one_time_url

    shown_host = "127.0.0.1" if settings.host in _ANY_ADDRESS else settings.host
    url = f"http://{shown_host}:{settings.port}"
    if settings.host not in _LOOPBACK:
        console.print(f"[yellow]warning:[/] the API listens on {settings.host}, beyond this machine: serve it "
                      "behind TLS (a reverse proxy with a certificate, docs/security.md) and set "
                      "DBGPT_ALLOWED_HOSTS to the names clients use")
    login = one_time_url(settings)  # created now, so it works the moment the API answers

    def watch() -> None:
        start = time.monotonic()
        while time.monotonic() - start < 600:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    console.print("[bold green]DB-GPT is ready.[/] Open this one-time link in a browser to sign in:")
                    console.print(login, soft_wrap=True, highlight=False)
                    console.print(f"API docs at {url}/docs; API keys: dbgpt key create --user NAME", soft_wrap=True)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        console.print(f"[red]not healthy after 10 minutes; see {settings.logs_path}[/]")

    threading.Thread(target=watch, daemon=True).start()


def controller(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(21001),
    dispatch: str = typer.Option("shortest_queue", help="lottery or shortest_queue"),
) -> None:
    """Run FastChat's controller (workers register here, with the cluster secret)."""
    settings = load_settings()
    secret = cluster_secret(settings)
    _fastchat_logs_to_data_dir()
    _heartbeat_env_before_fastchat(settings)
    from llm.controller import serve_controller

    serve_controller(host, port, secret, dispatch)


def _heartbeat_env_before_fastchat(settings) -> None:
    # FastChat reads its heartbeat timing once, at import: set it from our
    # settings first, unless the environment already says (dbgpt serve does).
    for key, value in _heartbeat_env(settings).items():
        os.environ.setdefault(key, value)


def worker(
    backend: str = typer.Option("llamacpp", help="llamacpp (GGUF, CPU), transformers (LLaMA family, GPU), "
                                                 "vllm (GPU throughput) or embedding (sentence-transformers)."),
    model: str = typer.Option(None, help="The model name clients ask for (default: the settings' model for "
                                         "llamacpp, the embedding model name, else the model folder's name)."),
    model_path: str = typer.Option(None, help="A GGUF file for llamacpp; a model folder for the others."),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(21002),
    controller_url: str = typer.Option(None, help="Default: the local controller."),
    advertise_url: str = typer.Option(None, help="The address the controller and the API reach this worker at "
                                                 "(default http://HOST:PORT, or this machine's name when HOST "
                                                 "is 0.0.0.0), e.g. http://worker:21002 in docker compose."),
    dtype: str = typer.Option("auto", help="transformers/vllm: auto, float16, bfloat16 or float32."),
    attn_implementation: str = typer.Option("sdpa", help="transformers: sdpa or flash_attention_2 "
                                                         "(eager only to compare)."),
    quantization: str = typer.Option(None, help="transformers: 8bit or 4bit (bitsandbytes, GPU)."),
    device_map: str = typer.Option("auto", help="transformers: how layers spread over the GPUs."),
    conv_template: str = typer.Option(None, help="FastChat template for models without a chat template "
                                                 "(default vicuna_v1.1)."),
    max_model_len: int = typer.Option(None, help="Context length (default: n_ctx for llamacpp, else the model's)."),
    tensor_parallel_size: int = typer.Option(1, help="vllm: GPUs one model is split over."),
    gpu_memory_utilization: float = typer.Option(0.9, help="vllm: share of GPU memory it may take."),
    max_num_seqs: int = typer.Option(64, help="vllm: requests batched together."),
) -> None:
    """Run one model worker that registers with the controller."""
    from pathlib import Path

    from llm.backends import BACKENDS, EngineOptions, build_engine
    from llm.model_files import ModelNotFound, spec_for
    from llm.transformers_engine import EngineLoadError

    if backend not in BACKENDS:
        raise fail(f"unknown backend '{backend}'; available: {', '.join(BACKENDS)}")
    llama = backend == "llamacpp"
    settings = load_settings(model_name=model if llama else None, model_path=model_path if llama else None)
    secret = cluster_secret(settings)
    _fastchat_logs_to_data_dir()
    _heartbeat_env_before_fastchat(settings)
    template = conv_template
    if backend == "llamacpp":
        path = Path(settings.model_path) if settings.model_path else ensure_model(settings)
        name = settings.model_name
        try:
            template = template or spec_for(name).chat_format
        except ModelNotFound:
            pass
    elif backend == "embedding":
        from llm.embedding_engine import default_model_path

        path = Path(model_path) if model_path else default_model_path()
        name = model or settings.embedding_model_name
    else:
        if not model_path:
            raise fail(f"--model-path is required for the {backend} backend (a local model folder)")
        path = Path(model_path)
        name = model or path.name
    options = EngineOptions(
        n_ctx=max_model_len or (settings.n_ctx if backend == "llamacpp" else None), n_threads=settings.n_threads,
        dtype=dtype, attn_implementation=attn_implementation, quantization=quantization,
        device_map=device_map, conv_template=conv_template, tensor_parallel_size=tensor_parallel_size,
        gpu_memory_utilization=gpu_memory_utilization, max_num_seqs=max_num_seqs,
    )
    try:
        engine = build_engine(backend, path, options)
    except (EngineLoadError, OSError) as exc:
        raise fail(f"cannot load {path} with the {backend} backend: {exc}") from exc
    from llm.worker import ModelWorker, serve_worker

    model_worker = ModelWorker(
        engine=engine,
        controller_addr=controller_url or settings.resolved_controller_url,
        worker_addr=advertise_url or _reachable_url(host, port),
        model_names=[name],
        model_path=str(path),
        conv_template=template,
        queue_size=settings.worker_queue_size,
        secret=secret,
    )
    serve_worker(model_worker, host, port)


def _reachable_url(host: str, port: int) -> str:
    # A worker listening on every address is reached by this machine's name, not by 0.0.0.0.
    return f"http://{socket.gethostname() if host in _ANY_ADDRESS else host}:{port}"
