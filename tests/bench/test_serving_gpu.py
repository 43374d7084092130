"""The GPU benchmark runs only where a GPU is lent; its dry run keeps the script working on every machine."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_dry_run_measures_every_asked_attention_and_prints_the_table():
    done = subprocess.run(
        [sys.executable, "bench/serving_gpu.py", "--dry-run", "--device", "cpu", "--lengths", "32",
         "--new-tokens", "4", "--repeat", "1", "--attentions", "sdpa,eager,flash_attention_2"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| transformers |")]
    flash = importlib.util.find_spec("flash_attn") is not None
    expected = ["sdpa", "eager"] + (["flash_attention_2"] if flash else [])
    assert [row.split("|")[2].strip() for row in rows] == expected, done.stdout
    assert all(int(row.split("|")[3]) == 31 for row in rows), done.stdout
    if not flash:
        assert "flash_attention_2: skipped, the flash-attn package is not installed" in done.stderr
