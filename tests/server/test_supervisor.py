"""`dbgpt serve`'s supervisor over real child processes (small Python programs)."""

import os
import signal
import sys
import time

from server.supervisor import Supervisor, describe_exit

SLEEPER = ["import time; time.sleep(120)"]
CRASHER = ["import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]


def supervisor(tmp_path, lines):
    return Supervisor(tmp_path / "logs", program=(sys.executable, "-c"), report=lines.append)


def wait_until(check, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_child_is_started_again_and_reaped(tmp_path):
    lines = []
    sup = supervisor(tmp_path, lines)
    first = sup.start("worker", SLEEPER, restart=True)
    sup.watch(interval_s=0.05)
    try:
        os.kill(first.pid, signal.SIGKILL)
        wait_until(lambda: sup.children[0].proc.pid != first.pid)
        assert sup.children[0].proc.poll() is None
        assert first.returncode == -signal.SIGKILL  # reaped: no zombie left behind
        assert lines[0].startswith("the worker was killed by SIGKILL; starting it again in 1 s")
    finally:
        sup.stop()


def test_a_child_that_keeps_dying_young_is_given_up_with_a_message(tmp_path):
    lines = []
    sup = supervisor(tmp_path, lines)
    sup.MAX_PAUSE_S = 0.05
    sup.start("worker", CRASHER, restart=True)
    sup.watch(interval_s=0.02)
    try:
        wait_until(lambda: not sup.children[0].restart)
        assert len(lines) == Supervisor.GIVE_UP_AFTER
        assert "SIGSEGV 5 times in a row" in lines[-1] and "not starting it again" in lines[-1]
    finally:
        sup.stop()


def test_only_children_marked_restart_come_back_and_stop_ends_all(tmp_path):
    lines = []
    sup = supervisor(tmp_path, lines)
    once = sup.start("job", SLEEPER)
    kept = sup.start("worker", SLEEPER, restart=True)
    sup.watch(interval_s=0.05)
    once.kill()
    time.sleep(0.5)
    assert sup.children[0].proc is once and once.returncode == -signal.SIGKILL and lines == []
    sup.stop()
    assert kept.poll() is not None
    time.sleep(0.2)  # the watcher has stopped: nothing started after stop
    assert sup.children == []


def test_exit_descriptions():
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(-signal.SIGSEGV) == "was killed by SIGSEGV"
