"""The diagnosis told as it goes, over the real SQLite shop: findings first, advice once the
database has checked it, the summary, then the very report `diagnose()` returns."""

import asyncio
import json

import pytest

from assistant.diagnosis import Done, ErrorEvent, FindingEvent, SummaryEvent, Withdrawn, diagnose, diagnose_stream
from connectors.types import SchemaInfo
from tests.assistant.diagnosis.doubles import ScriptedLLM

# A forgotten join condition (products is paired with every event) and a full scan of events.
PAIRED = "SELECT e.id, p.name FROM events e, products p WHERE e.customer_id = 77 AND p.id < 3"


def events_of(sql, conn, llm=None, **options):
    async def collect():
        return [event async for event in diagnose_stream(sql, conn, llm, **options)]

    return asyncio.run(collect())


def steady(report):
    """The report less its clock readings (how long each pass and each trial run took)."""
    data = report.to_dict()
    for finding in data["findings"]:
        finding["evidence"] = {k: v for k, v in finding["evidence"].items() if not k.startswith("seconds")}
    return {**data, "timings": sorted(report.timings)}


def test_findings_come_first_then_advice_then_the_summary_then_the_report(sqlite_conn):
    summary = json.dumps({"summary": "No condition links the two tables.", "rewrites": []})
    events = events_of(PAIRED, sqlite_conn, ScriptedLLM(summary))
    names = [event.name for event in events]
    assert names[0] == "finding" and names[-2:] == ["summary", "done"]
    assert max(i for i, n in enumerate(names) if n == "finding") < names.index("advice")
    assert events[-2] == SummaryEvent("No condition links the two tables.", "model")
    report = events[-1].report
    told = {e.n: e.data() for e in events if isinstance(e, FindingEvent)}
    assert sorted(({k: v for k, v in d.items() if k != "n"} for d in told.values()), key=json.dumps) == \
        sorted((f.to_dict() for f in report.findings), key=json.dumps)
    again = asyncio.run(diagnose(PAIRED, sqlite_conn, ScriptedLLM(summary)))
    assert steady(again) == steady(report)


def test_a_finding_a_later_pass_confirms_is_told_again_under_its_number(sqlite_conn):
    everything = events_of("SELECT id FROM orders WHERE date(created_at) = '2023-05-01'", sqlite_conn)
    events = [e for e in everything if isinstance(e, FindingEvent)]
    function = [e for e in events if e.finding.kind == "function_on_indexed_column"]
    assert len(function) == 2 and function[0].n == function[1].n
    assert not function[0].data()["verified"] and function[1].data()["verified"]  # the plan shows the scan
    assert len({e.n for e in events}) == len(everything[-1].report.findings)


def test_a_finding_the_engine_withdraws_is_withdrawn_from_the_stream(sqlite_conn):
    # A cached schema that lacks the table: the schema check flags it, the engine knows better.
    stale = SchemaInfo(dialect="sqlite", engine="SQLite", server_version="3", tables=[])
    events = events_of("SELECT id FROM orders WHERE id = 1", sqlite_conn, schema=stale)
    [unknown] = [e for e in events if isinstance(e, FindingEvent) and e.finding.kind == "unknown_table"]
    assert Withdrawn(unknown.n) in events
    assert not events[-1].report.of_kind("unknown_table")


def test_the_findings_of_a_report_read_by_severity_then_by_kind(sqlite_conn):
    report = asyncio.run(diagnose(PAIRED, sqlite_conn))
    kinds = [f.kind for f in report.findings]
    assert kinds.index("cartesian_join") < kinds.index("full_scan") < kinds.index("index_suggestion")


class BrokenConnector:
    dialect = "sqlite"
    timeout_s = 1.0

    def introspect(self):
        raise RuntimeError("the catalog query crashed")


def test_a_failure_is_the_last_event_and_diagnose_raises_it():
    events = events_of("SELECT id FROM orders", BrokenConnector())
    assert isinstance(events[-1], ErrorEvent) and not any(isinstance(e, Done) for e in events)
    assert events[-1].data() == {"kind": "RuntimeError", "message": "the catalog query crashed"}
    with pytest.raises(RuntimeError, match="catalog query crashed"):
        asyncio.run(diagnose("SELECT id FROM orders", BrokenConnector()))
