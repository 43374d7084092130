"""Start-up and memory of the whole stack, as a user starts it: `make serve`.

cold: a new data dir (the model is assembled from the offline parts and
      verified, the demo database is built), with the virtualenv present;
warm: the same data dir again (nothing rebuilt or re-downloaded).
Memory: the peak resident size (VmHWM) of every process of the stack, summed,
after one question has been answered.

    .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.auth import cli_key  # noqa: E402
from tests.support.helpers import free_port  # noqa: E402


def tree(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        child, parent = map(int, line.split())
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def python_processes(pid: int) -> dict[int, str]:
    names = {}
    for p in tree(pid):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "python" in cmd:
            names[p] = cmd.split("server.cli.main")[-1].split()[0] if "server.cli.main" in cmd else "api"
    return names


def start(data_dir: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {**os.environ, "DBGPT_DATA_DIR": str(data_dir), "DBGPT_PORT": str(port),
           "DBGPT_CONTROLLER_PORT": str(free_port()), "DBGPT_WORKER_PORT": str(free_port())}
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = subprocess.Popen(["make", "serve"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"make serve exited with {proc.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url, time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--question", default="How many customers are there?")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        proc, url, cold = start(data_dir)
        stop(proc)
        proc, url, warm = start(data_dir)
        headers = cli_key({**os.environ, "DBGPT_DATA_DIR": str(data_dir)})
        httpx.post(url + "/api/v1/sql/generate", json={"question": args.question, "db": "demo"}, headers=headers,
                   timeout=600)
        processes = python_processes(proc.pid)
        peaks = {name: status_kb(p, "VmHWM") / 1024 for p, name in processes.items()}
        stop(proc)
    total = sum(peaks.values())
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| cold `make serve` to healthy (new data dir) | {cold:.1f} s |")
    print(f"| warm `make serve` to healthy | {warm:.1f} s |")
    print(f"| warm / cold | {warm / cold:.2f} |")
    for name, mb in sorted(peaks.items()):
        print(f"| peak resident, {name} | {mb:.0f} MB |")
    print(f"| peak resident, whole stack | {total:.0f} MB |")
    print(json.dumps({"cold_s": round(cold, 2), "warm_s": round(warm, 2), "peak_rss_mb": round(total),
                      "per_process_mb": {k: round(v) for k, v in peaks.items()}}))


if __name__ == "__main__":
    main()
