"""The full text-to-SQL pipeline: link, prompt, generate, validate, execute,
repair, vote, answer. Each check is one the database or the parser can make,
so a small model's known failures (invented columns, wrong dialect, wrong
literals, SQL that does not run) are caught and fed back instead of shown.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable

from assistant.sqlgen import prompts
from assistant.sqlgen.answer import AnswerError, SqlAnswer
from assistant.sqlgen.chart import suggest_chart
from assistant.sqlgen.answer_shape import shape_of
from assistant.sqlgen.confidence import ADVICE, Evidence, label, score
from assistant.sqlgen.dialects import dialect_name
from assistant.sqlgen.error_advice import advise
from assistant.sqlgen.follow_up import Turn, earlier_turn, grounding
from assistant.sqlgen.intent import refuse_write
from assistant.sqlgen.knowledge_context import SqlKnowledge, examples_text
from assistant.sqlgen.linking import choose_tables, shown_whole
from assistant.sqlgen.parse_output import answer_is_complete, parse_answer
from assistant.sqlgen.query_likelihood import QueryLikelihood, query_likelihood
from assistant.sqlgen.question_terms import unnamed_terms
from assistant.sqlgen.question_terms import warning as unnamed_warning
from assistant.sqlgen.schema_text import schema_ddl
from assistant.sqlgen.stored_literals import check_literals
from assistant.sqlgen.tables_read import key_columns, tables_read
from assistant.sqlgen.timing import StageTimer
from assistant.sqlgen.validate import validate_sql
from assistant.sqlgen.value_linking import link_values, value_hints
from assistant.sqlgen.vote import Candidate, vote
from connectors.types import ConnectorError, GuardRefusal, QueryTimeout, SchemaInfo
from knowledge.redaction import without_sensitive_values
from llm.client import LLM, GenerateRequest

log = logging.getLogger("dbgpt.sqlgen")  # each candidate and its problem, at debug level

ANSWER_SCHEMA = {
    "type": "object",
    "properties": {
        "sql": {"type": "string"},
        "explanation": {"type": "string", "maxLength": 200},
    },
    "required": ["sql", "explanation"],
}
RESPONSE_FORMAT = {"type": "json_schema", "json_schema": {"name": "sql_answer", "schema": ANSWER_SCHEMA}}


@dataclass
class SqlOptions:
    execute: bool = True
    row_limit: int = 1000
    candidates: int = 1
    repair_rounds: int = 2
    max_tokens: int = 320
    # A schema up to `whole_schema_tokens` is shown whole (a stable prefix whose KV
    # cache serves every later question); a larger one is cut to
    # `schema_budget_tokens` of linked tables, a new prefix for each question.
    # Counted by knowledge.tokens, about 25% above the default model's real count.
    whole_schema_tokens: int = 2400
    schema_budget_tokens: int = 1000
    sample_temperature: float = 0.7
    # The value index's matches among the hints: off, since beside the same run without them they
    # cost one of 60 held-out answers and gained none (docs/benchmarks.md, "Value linking over every
    # text column"); the literal lookups of link_values stay on. bench/sqlgen.py measures it again
    # as the `full-index` pipeline.
    index_hints: bool = False


@dataclass
class _Attempt:
    sql: str | None = None
    explanation: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False
    error: AnswerError | None = None
    repairs: int = 0
    doubts: list[str] = field(default_factory=list)
    likelihood: QueryLikelihood | None = None  # of the query as the model last wrote it



def uses_linker(schema: SchemaInfo, options: SqlOptions | None = None) -> bool:
    """Whether questions on this schema go through the linker, which reads the knowledge indexes
    (a schema shown whole never does)."""
    options = options or SqlOptions()
    return not shown_whole(schema, options.schema_budget_tokens, options.whole_schema_tokens)

def build_messages(question: str, schema: SchemaInfo, tables: list[str], hints: str,
                   history: list[Turn], examples: str = "") -> list[dict[str, str]]:
    """The stable part (schema, dialect notes, rules) first, so its KV cache is reused;
    what depends on the question (the earlier turn a follow-up refines, examples,
    value hints) comes after it."""
    system = prompts.render(
        "full_system",
        dialect_name=dialect_name(schema.dialect),
        schema=schema_ddl(schema, tables, compact=True),
        dialect_notes=prompts.render(f"dialect_{schema.dialect}") if schema.dialect in _NOTES else "",
    )
    messages = [{"role": "system", "content": system}]
    if (previous := earlier_turn(question, history)) is not None:
        messages.append({"role": "user", "content": previous.question})
        messages.append({"role": "assistant", "content": as_reply(previous.sql)})
        user = prompts.render("follow_up_user", context=examples + hints, question=question)
    else:
        user = prompts.render("full_user", context=examples + hints, question=question)
    messages.append({"role": "user", "content": user})
    return messages


_NOTES = {"sqlite", "postgres", "mysql", "duckdb"}


def as_reply(sql: str | None) -> str:
    """An earlier answer as the model would have written it."""
    return f"```sql\n{sql}\n```" if sql else "No query can answer that from this schema."


def _empty_is_suspicious(sql: str) -> bool:
    """An empty result is worth a second look when the query filters on literals."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql)
    except Exception:  # the database ran it, so any parse trouble here is ours
        return False
    where = tree.find(exp.Where)
    return bool(where and where.find(exp.Literal))


def _lookup_runner(connector) -> Callable:
    """Runs the pipeline's own bounded lookups (values, literals): a few rows, a short time."""
    def run(tree):
        return connector.run_tree(tree, row_limit=20, timeout_s=LOOKUP_TIMEOUT_S).rows
    return run


LOOKUP_TIMEOUT_S = 3.0


class _Runner:
    def __init__(self, question, connector, llm: LLM, schema: SchemaInfo, options: SqlOptions,
                 answer: SqlAnswer, timer: StageTimer, sensitive: frozenset[tuple[str, str]] = frozenset()):
        self.question, self.connector, self.llm = question, connector, llm
        self.schema, self.options, self.answer, self.timer = schema, options, answer, timer
        self.sensitive = sensitive

    async def _generate(self, messages, temperature: float,
                        seed: int | None) -> tuple[str | None, str, QueryLikelihood | None]:
        """Free text first: a fenced query is what a coder model writes best, and
        grammar-constrained sampling over a 150k-token vocabulary costs about half as
        much time again per token (docs/benchmarks.md). Only an answer that holds
        no query is asked again under the JSON schema, so every answer parses."""
        parsed, likelihood = await self._complete(messages, temperature, seed, None)
        if parsed.sql is None:
            parsed, likelihood = await self._complete(messages, temperature, seed, RESPONSE_FORMAT)
        return parsed.sql, parsed.thoughts, likelihood

    async def _complete(self, messages, temperature: float, seed: int | None, response_format):
        """Streamed, and cut off once the query and one sentence about it are there."""
        request = GenerateRequest(messages=messages, max_tokens=self.options.max_tokens, temperature=temperature,
                                  seed=seed, response_format=response_format, logprobs=True)
        text, usage, last = "", {}, None
        with self.timer.stage("generate"):
            chunks = self.llm.stream(request)
            try:
                async for chunk in chunks:
                    text, usage, last = chunk.text, chunk.usage or usage, chunk
                    if response_format is None and answer_is_complete(text):
                        break
            finally:
                await chunks.aclose()  # cancels the rest of the generation
        self.answer.add_usage(usage)
        likelihood = query_likelihood(last.tokens, last.token_logprobs) if last is not None else None
        return parse_answer(text), likelihood

    async def _execute(self, attempt: _Attempt) -> None:
        with self.timer.stage("execute"):
            try:
                result = await asyncio.to_thread(self.connector.run, attempt.sql, row_limit=self.options.row_limit)
            except GuardRefusal as exc:
                attempt.error = AnswerError("refused", exc.message, exc.rule)
                return
            except QueryTimeout as exc:
                attempt.error = AnswerError("timeout", str(exc))
                return
            except ConnectorError as exc:
                attempt.error = AnswerError("execution", str(exc))
                return
        attempt.error = None
        attempt.columns, attempt.rows, attempt.truncated = result.columns, result.rows, result.truncated

    def _problem(self, attempt: _Attempt) -> str | None:
        """What to tell the model about this attempt, or None when it is fine."""
        if not attempt.sql:
            return None
        with self.timer.stage("validate"):
            try:
                validation = validate_sql(attempt.sql, self.schema, self.question)
            except Exception:  # a fault of the checks must not cost the answer: the database judges
                log.exception("validation failed on: %s", attempt.sql)
                return None
        if validation.sql:
            attempt.sql = validation.sql
        attempt.doubts = validation.doubts
        if validation.errors:
            attempt.error = AnswerError("invalid", "; ".join(validation.errors))
            return advise(attempt.error.message)
        return None

    async def _check_literals(self, attempt: _Attempt) -> None:
        """Re-case literals to their stored form; a literal no row holds becomes a doubt."""
        with self.timer.stage("validate"):
            checked = await asyncio.to_thread(check_literals, attempt.sql, self.schema,
                                              _lookup_runner(self.connector), self.sensitive)
        attempt.sql = checked.sql
        attempt.doubts = attempt.doubts + checked.doubts

    async def attempt(self, messages, temperature: float, seed: int | None) -> _Attempt:
        """One candidate, repaired for at most `repair_rounds` rounds. A query that ran
        but looked doubtful (no rows, one row where one per item was asked) stays the
        answer if what the model writes instead does not run."""
        attempt = _Attempt()
        attempt.sql, attempt.explanation, attempt.likelihood = await self._generate(messages, temperature, seed)
        return await self._repair(attempt, list(messages), temperature, seed)

    async def _repair(self, attempt: _Attempt, conversation: list, temperature: float, seed: int | None) -> _Attempt:
        ran: _Attempt | None = None  # the last version that ran, kept while a doubt is checked

        def settle(final: _Attempt) -> _Attempt:
            if final.error is not None and ran is not None:
                return replace(ran, repairs=final.repairs)
            return final

        empty_checked = doubts_asked = False
        for round_ in range(self.options.repair_rounds + 1):
            if not attempt.sql:
                attempt.error = AnswerError("unanswerable", attempt.explanation or "The model wrote no query.")
                return settle(attempt)
            problem = self._problem(attempt)
            log.debug("candidate (round %d): %s", round_, attempt.sql)
            if problem is None and self.options.execute:
                await self._check_literals(attempt)
                await self._execute(attempt)
                if attempt.error is not None:
                    problem = advise(attempt.error.message)
                elif not attempt.rows and not empty_checked and _empty_is_suspicious(attempt.sql):
                    empty_checked, ran = True, replace(attempt)
                    problem = ("it ran but returned no rows. Check that each literal is written exactly as "
                               "the data stores it (case, spelling, format) and that the filters are right.")
                elif attempt.doubts and not doubts_asked:
                    doubts_asked, ran = True, replace(attempt)  # asked once: a query the model stands by is its answer
                    problem = "; ".join(attempt.doubts)
            elif problem is None:
                attempt.error = None
            if problem is not None:
                log.debug("problem: %s", problem)
            if problem is None or round_ == self.options.repair_rounds:
                return settle(attempt) if problem is not None else attempt
            attempt.repairs += 1
            with self.timer.stage("repair"):
                conversation += [
                    {"role": "assistant", "content": as_reply(attempt.sql)},
                    {"role": "user", "content": prompts.render("repair_user", error=problem)},
                ]
            previous, previous_error = attempt.sql, attempt.error
            attempt.sql, explanation, attempt.likelihood = await self._generate(conversation, temperature, seed)
            attempt.explanation = explanation or attempt.explanation  # a repair rarely re-explains
            if attempt.sql == previous:
                # The model stands by its query: an empty result is then its answer, and
                # another round with the same error would only repeat it.
                attempt.error = previous_error
                return settle(attempt)
        return settle(attempt)


async def answer_full(question: str, connector, llm: LLM, options: SqlOptions | None = None, *,
                      history: list[Turn] | None = None,
                      knowledge: SqlKnowledge | None = None,
                      on_stage: Callable[[str, float], None] | None = None) -> SqlAnswer:
    """`on_stage(name, seconds)` hears each stage as it ends (for streaming progress)."""
    options = options or SqlOptions()
    knowledge = knowledge or SqlKnowledge()
    timer = StageTimer(on_stage)
    answer = SqlAnswer(question=question, candidates=options.candidates)
    if refused := refuse_write(answer):
        return refused
    with timer.stage("schema"):
        stored = await asyncio.to_thread(connector.introspect)
    # Everything the model reads (prompt, hints, repair messages) comes from the redacted copy.
    schema = without_sensitive_values(stored, knowledge.sensitive)
    history = history or []
    asked = grounding(question, history)  # a follow-up: with the questions it refines
    with timer.stage("link"):
        tables = await asyncio.to_thread(choose_tables, asked, schema, options.schema_budget_tokens,
                                         knowledge.linker, whole_tokens=options.whole_schema_tokens)
        indexed = await asyncio.to_thread(_indexed_values, knowledge, question, stored) if options.index_hints else []
        matches = await asyncio.to_thread(link_values, question, schema, tables, run=_lookup_runner(connector),
                                          sensitive=knowledge.sensitive, indexed=indexed)
        hints = value_hints(matches)
        if (previous := earlier_turn(question, history)) is not None:  # what the refined query read stays
            tables += [t for t in tables_read(previous.sql, schema) if t not in tables]
        examples = examples_text(await asyncio.to_thread(knowledge.examples, question)) if knowledge.examples else ""
    answer.linked_tables = tables
    messages = build_messages(question, schema, tables, hints, history, examples)
    runner = _Runner(asked, connector, llm, schema, options, answer, timer, knowledge.sensitive)
    attempts = [await runner.attempt(messages, 0.0, None)]
    for i in range(1, options.candidates):
        attempts.append(await runner.attempt(messages, options.sample_temperature, seed=i))
    unnamed = unnamed_terms(asked, stored, [m.value for m in matches])
    evidence = _settle(answer, attempts, options, unnamed)
    answer.tables = tables_read(answer.sql, schema)
    computed = shape_of(answer.sql, schema.dialect)
    evidence = replace(evidence, tables=len(answer.tables), divides=computed.divides, dates=computed.dates)
    answer.evidence = asdict(evidence)
    answer.confidence = score(evidence) if answer.sql and answer.error is None else 0.0
    answer.confidence_label = label(answer.confidence)
    answer.confidence_advice = ADVICE[answer.confidence_label]
    if answer.rows and answer.error is None:
        answer.chart = suggest_chart(answer.columns, answer.rows, key_columns(answer.sql, schema))
    answer.timings = timer.finish()
    return answer


def _indexed_values(knowledge: SqlKnowledge, question: str, schema: SchemaInfo) -> list:
    """The value index's matches for the question; none when there is no index or it cannot be read."""
    if knowledge.values is None:
        return []
    try:
        return knowledge.values(question, schema)
    except Exception:  # the hints give way to the answer
        log.warning("value index unavailable", exc_info=True)
        return []


def _settle(answer: SqlAnswer, attempts: list[_Attempt], options: SqlOptions, unnamed: list[str]) -> Evidence:
    """Vote among the attempts that ran; else report the first attempt's outcome. `unnamed`:
    what the question counts or groups by that the database does not name. Returns the evidence
    for the chosen answer's confidence."""
    answer.repairs = sum(a.repairs for a in attempts)
    good = [a for a in attempts if a.sql and a.error is None]
    if good and options.execute:
        winner, agreement = vote([Candidate(a.sql, a.columns, a.rows, a.truncated) for a in good])
        chosen = next(a for a in good if a.sql == winner.sql)
        evidence = Evidence(agreement=agreement * len(good) / len(attempts), repairs=chosen.repairs,
                            doubts=len(chosen.doubts), empty=not chosen.rows, unnamed=bool(unnamed))
    else:
        chosen = good[0] if good else attempts[0]
        evidence = Evidence(agreement=len(good) / len(attempts) if good else 0.0, repairs=chosen.repairs,
                            doubts=len(chosen.doubts), unnamed=bool(unnamed))
    if chosen.likelihood is not None:
        evidence = replace(evidence, likelihood=chosen.likelihood.mean, least_likely=chosen.likelihood.least)
    answer.sql, answer.explanation, answer.error = chosen.sql, chosen.explanation, chosen.error
    answer.warnings = list(chosen.doubts) if chosen.error is None else []
    if unnamed and chosen.error is None and chosen.sql:
        answer.warnings.append(unnamed_warning(unnamed))
    answer.columns, answer.rows, answer.truncated = chosen.columns, chosen.rows, chosen.truncated
    return evidence
