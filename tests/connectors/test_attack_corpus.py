"""Every statement of the attack corpus, thrown at every engine through
conn.run: refused by its rule where one is named, otherwise refused, failed,
timed out or harmless, and in all cases nothing changed: the snapshot (hash
of the catalog and every table's rows) is the same after, and no file that an
attack aims to write exists."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors import ConnectorError, GuardRefusal, QueryTimeout

from .attack_corpus import ATTACKS, FILE_TARGETS, RULES


def test_corpus_is_large_and_covers_every_dialect():
    assert len(ATTACKS) >= 100
    for dialect in ("sqlite", "postgres", "mysql", "duckdb"):
        assert sum(dialect in dialects for dialects, _ in ATTACKS) >= 40, dialect
    assert len({sql for _, sql in ATTACKS}) >= len(ATTACKS) - 2


def _clear_targets() -> None:
    for target in FILE_TARGETS:
        path = Path(target)
        if path.is_dir():
            for child in path.iterdir():
                child.unlink()
            path.rmdir()
        elif path.exists():
            os.unlink(path)


def test_attacks_change_nothing(shop):
    _clear_targets()
    before = shop.snapshot()
    outcomes: dict[str, list[str]] = {"refused": [], "failed": [], "timed_out": [], "ran": []}
    wrong_rule: list[str] = []
    conn = shop.connect(timeout_s=1.5, row_limit=5, samples=False)
    try:
        for _dialects, sql in ATTACKS:
            expected = RULES.get((shop.dialect, sql))
            try:
                conn.run(sql)
            except GuardRefusal as refusal:
                outcomes["refused"].append(sql)
                if expected and refusal.rule != expected:
                    wrong_rule.append(f"{sql!r}: {refusal.rule} != {expected}")
                continue
            except QueryTimeout:
                outcomes["timed_out"].append(sql)
            except ConnectorError:
                outcomes["failed"].append(sql)
            else:
                outcomes["ran"].append(sql)
            if expected:
                wrong_rule.append(f"{sql!r} reached the database; expected rule {expected}")
    finally:
        conn.close()
    assert not wrong_rule, "\n".join(wrong_rule)
    assert shop.snapshot() == before
    created = [t for t in FILE_TARGETS if Path(t).exists()]
    assert not created, created
    # The corpus is mostly refused before reaching the database.
    assert len(outcomes["refused"]) > len(ATTACKS) * 0.7


@pytest.mark.parametrize("engine", ["postgres"])
def test_copy_to_program_would_run_without_the_guard(request, engine, tmp_path):
    """Why the guard matters on PostgreSQL: as superuser, COPY ... TO PROGRAM
    runs even in the read-only session (NOTES.md). The guard refuses it."""
    shop = request.getfixturevalue(f"{engine}_db")
    marker = tmp_path / "copy_program_marker"
    with shop.connect() as conn:
        with pytest.raises(GuardRefusal) as refused:
            conn.run(f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'")
        assert refused.value.rule == "copy"
    assert not marker.exists()
