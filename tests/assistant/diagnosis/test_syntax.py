"""Bad input and syntax errors, per dialect, with line and column. No database needed."""

import pytest

from assistant.diagnosis import diagnose_static


def kinds(sql, dialect="postgres"):
    return diagnose_static(sql, None, dialect=dialect).report


@pytest.mark.parametrize("dialect", ["postgres", "sqlite", "mysql", "duckdb"])
def test_a_missing_operand_is_located_on_its_line_and_column(dialect):
    report = kinds("SELECT id,\n       total\nFROM orders\nWHERE total > AND status = 'x'", dialect)
    [finding] = report.findings
    assert finding.kind == "syntax_error" and finding.severity == "error"
    assert (finding.location.line, finding.location.column) == (4, 15)
    assert "AND" in finding.message and finding.verified is False


def test_an_unclosed_parenthesis_is_reported_near_where_it_stops():
    [finding] = kinds("SELECT * FROM t WHERE x IN (1, 2").findings
    assert finding.kind == "syntax_error" and "expected )" in finding.message
    assert finding.location.line == 1


def test_an_unclosed_quote_is_a_tokenizer_error():
    [finding] = kinds("SELECT 'abc FROM t").findings
    assert finding.kind == "syntax_error" and "quote" in finding.message


def test_dialects_differ_on_what_parses():
    # Backticks quote identifiers in MySQL only.
    assert kinds("SELECT `id` FROM t", "mysql").findings == []
    assert kinds("SELECT `id` FROM t", "postgres").kinds() == {"syntax_error"}


def test_prose_is_not_sql():
    [finding] = kinds("why is my query so slow?").findings
    assert finding.kind == "not_sql" and (finding.location.line, finding.location.column) == (1, 1)


@pytest.mark.parametrize("text", ["", "   ", "-- only a comment"])
def test_empty_text_says_so(text):
    assert kinds(text).kinds() == {"empty"}


def test_several_statements_are_refused_and_the_second_is_located():
    [finding] = kinds("SELECT 1;\nSELECT 2").findings
    assert finding.kind == "multiple_statements" and finding.location.line == 2


def test_a_trailing_semicolon_is_one_statement():
    assert kinds("SELECT 1;").findings == []


def test_a_write_is_diagnosed_statically_and_never_executed():
    ctx = diagnose_static("UPDATE orders SET status = 'x'", None, dialect="postgres")
    report = ctx.report
    assert report.statement == "write" and report.executed is False
    assert {"write_statement", "write_without_where"} <= report.kinds()
    assert not ctx.can_run
