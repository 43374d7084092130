"""The grounding check on real text: the runbooks' Markdown and SQLite's own
HTML manual as the loaders read them, quoted back the way a model does."""

from pathlib import Path

import pytest

from assistant.qa.grounding import (check, claim_coverage, denies, quote_found, quote_score, specific_terms,
                                    unsupported_terms)
from assistant.qa.plain_text import plain
from knowledge.loaders import load_file
from tests.knowledge.files import sqlite_docs

RUNBOOKS = Path(__file__).parent / "runbooks"


def section(path: Path, location_end: str) -> str:
    loaded = load_file(path, max_bytes=10_000_000)
    return next(s.text for s in loaded.sections if s.location.endswith(location_end))


@pytest.fixture(scope="module")
def steps():
    return section(RUNBOOKS / "rotate-replication-password.md", "> Steps")


@pytest.fixture(scope="module")
def rotation():
    return section(RUNBOOKS / "rotate-replication-password.md", "Rotating the replication password")


@pytest.fixture(scope="module")
def bloat():
    return section(RUNBOOKS / "vacuum-bloated-table.md", "> Find the bloat")


def test_markdown_emphasis_and_code_markers_are_not_part_of_the_quote(rotation):
    assert "**`replicator`**" in rotation and "**90 days**" in rotation
    quote = "The streaming replicas connect to the primary as the replicator role. Rotate its password every 90 days"
    assert quote_score(quote, rotation) == 100
    assert quote_score("connect to the primary as the `replicator` role", rotation) == 100


def test_list_numbers_bullets_and_line_breaks_are_not_part_of_the_quote(steps, bloat):
    # The source breaks this item after `.pgpass`; the model quotes it on one line, without "3.".
    assert "`/var/lib/postgresql/.pgpass`\n(the line" in steps
    quote = "On each replica, put the new password in /var/lib/postgresql/.pgpass (the line for replicator)"
    assert quote_score(quote, steps) == 100
    assert quote_score("3. On each replica, put the new password", steps) == 100
    assert quote_score("A table needs attention when n_dead_tup is more than 20% of n_live_tup.", bloat) == 100


def test_headings_are_not_part_of_the_quote():
    text = section(RUNBOOKS / "restore-nightly-backup.md", "> How long it takes")
    assert text.startswith("## How long it takes")
    assert quote_score("How long it takes A full restore of the 400 GB production database", text) == 100


def test_curly_quotes_and_apostrophes_match_straight_ones(steps, bloat):
    assert "Don\u2019t restart it" in steps and "\u201cidle in transaction\u201d" in bloat
    assert quote_score("Don't restart it: a reload is enough.", steps) == 100
    assert quote_score('anything in state "idle in transaction" for more than an hour', bloat) == 100


def test_case_and_whitespace_do_not_matter(steps):
    assert quote_score("reload EACH replica with   SELECT PG_RELOAD_CONF();", steps) == 100


def test_html_entities_and_non_breaking_spaces_fold_to_plain_text():
    page = load_file(sqlite_docs() / "lang_vacuum.html", max_bytes=10_000_000)
    text = "\n".join(s.text for s in page.sections)
    # A model that writes the entity, or an HTML-escaped copy of the page, reads the same.
    assert plain("VACUUM&nbsp;INTO &lt;filename&gt;") == plain("VACUUM\u00a0INTO <filename>") == "vacuum into <filename>"
    assert quote_score("The VACUUM command rebuilds the database file, repacking it into a minimal amount of "
                       "disk space.", text) >= 95


def test_a_quote_cut_with_an_ellipsis_matches_piece_by_piece(steps):
    quote = "Generate the new password with openssl rand -base64 24 ... Watch pg_stat_replication on the primary"
    assert quote_score(quote, steps) == 100
    assert quote_score("Generate the new password ... then restart the primary", steps) < 85


def test_a_quote_that_is_not_there_fails(steps, rotation):
    assert quote_score("Rotate the password every 30 days with pg_rotate_password()", rotation) < 85
    assert quote_score("", steps) == 0 and quote_score("yes", steps) == 0


def test_the_answer_s_words_stand_in_for_a_paraphrased_quote(steps):
    question = "How do we rotate the replication password?"
    paraphrase = "Make a new password with openssl, set it on the primary with ALTER ROLE, update .pgpass on " \
                 "each replica and reload it with pg_reload_conf."
    assert claim_coverage(paraphrase, question, steps) >= 0.75
    invented = "Use the vault's automatic rotation job; it restarts every replica for you overnight."
    assert claim_coverage(invented, question, steps) < 0.5


def test_the_check_accepts_a_faithful_answer_and_says_where_it_rests(steps, rotation):
    passages = {1: rotation, 2: steps}
    question = "How do we rotate the replication password?"
    answer = "Generate a new password with `openssl rand -base64 24`, then run `ALTER ROLE replicator WITH " \
             "PASSWORD 'new-password';` on the primary."
    verdict = check(answer, "Generate the new password with openssl rand -base64 24 and store it in the vault",
                    passages, [1], question)
    assert verdict.ok and verdict.how == "quote" and verdict.rests_on == [1, 2]  # the quote is in [2], not [1]
    verdict = check(answer, "the new password goes into the vault", passages, [2], question)
    assert verdict.ok and verdict.how == "claim" and verdict.rests_on == [2]


def test_the_check_refuses_invented_specifics(steps, rotation):
    passages = {1: rotation, 2: steps}
    question = "How often is the replication password rotated?"
    assert check("Every 90 days.", "Rotate its password every **90 days**", passages, [1], question).ok
    verdict = check("Every 30 days, by Alice.", "Rotate its password every **90 days**", passages, [1], question)
    assert not verdict.ok and "30" in verdict.why and "Alice" in verdict.why
    verdict = check("Run `pg_rotate_password()` on the primary.", "the new password", passages, [2], question)
    assert not verdict.ok and "pg_rotate_password()" in verdict.why
    verdict = check("The vault rotates it nightly through a cron job.", "it is rotated by cron", passages, [1],
                    question)
    assert not verdict.ok and "quoted evidence" in verdict.why


def test_specific_terms_and_retyped_code():
    assert specific_terms("The page is by John. Use `PRAGMA auto_vacuum` in 3.15.0.") == {
        "John", "PRAGMA auto_vacuum", "3.15.0"}
    assert specific_terms("- Stop PostgreSQL first.\n- Then run it.") == {"PostgreSQL"}
    source = "2. On the primary, run `ALTER ROLE replicator WITH PASSWORD 'new-password';`"
    assert unsupported_terms("Run `ALTER ROLE replicator WITH PASSWORD 'new_password'`.", source) == []
    assert unsupported_terms("Run `ALTER ROLE replicator RENAME TO r2`.", source) == [
        "ALTER ROLE replicator RENAME TO r2"]
    # A number is a whole number: 90 is not in 900, 1.5 not in 11.5, 30 not in 01:30, 3.31 not in 3.31.0.
    assert unsupported_terms("After 90 days, 1.5 GB, 30 s, 3.31.", "900 days, 11.5 GB at 01:30 in 3.31.0") == [
        "1.5", "3.31", "30", "90"]


def page_text(name: str) -> str:
    return "\n".join(s.text for s in load_file(sqlite_docs() / name, max_bytes=10_000_000).sections)


def test_a_quote_with_the_subject_swapped_is_not_found_and_the_question_s_names_prove_nothing():
    strict = page_text("stricttables.html")
    question = "Which SQLite version added the RETURNING clause?"
    lifted = "The RETURNING clause was added to SQLite with version 3.37.0 (2021-11-27) and later."
    assert not quote_found(lifted, strict)  # "RETURNING clause" is not on the page
    verdict = check("RETURNING was added in version 3.37.0.", lifted, {1: strict}, [1], question)
    assert not verdict.ok
    assert unsupported_terms("RETURNING was added in version 3.37.0.", strict) == ["RETURNING"]


def test_yes_where_the_quote_says_not_is_replaced_by_the_quoted_sentence():
    page = page_text("lang_transaction.html")
    question = "Can BEGIN...COMMIT transactions be nested?"
    quote = "Transactions created using BEGIN...COMMIT do not nest."
    assert denies(quote, question)
    verdict = check("Yes, BEGIN...COMMIT transactions can be nested.", quote, {1: page}, [1], question)
    assert verdict.ok and verdict.how == "source" and "says yes" in verdict.why
    assert verdict.evidence == "Transactions created using BEGIN...COMMIT do not nest."  # the page's own words
    assert verdict.rests_on == [1] and verdict.evidence_n == 1


def test_an_opposite_word_denies_and_a_not_elsewhere_in_the_sentence_does_not():
    assert denies("The usual default mmap_size is zero, meaning that memory mapped I/O is disabled by default.",
                  "Is memory-mapped I/O enabled by default in SQLite?")
    # "do not have" denies having an INTEGER PRIMARY KEY, not the change the question asks about.
    vacuum = page_text("lang_vacuum.html")
    quote = "The VACUUM command may change the ROWIDs of entries in any tables that do not have an explicit " \
            "INTEGER PRIMARY KEY."
    question = "Can VACUUM change the ROWIDs of a table's rows?"
    assert not denies(quote, question)
    verdict = check("Yes, VACUUM can change the ROWIDs of a table's rows.", quote, {1: vacuum}, [1], question)
    assert verdict.ok and verdict.how == "echo" and verdict.evidence == quote  # the sentence follows the yes


def test_an_answer_that_says_more_than_its_quote_is_refused_when_the_quote_is_off_the_question():
    from assistant.qa.context import MAX_SOURCE_CHARS, focus

    question = "How long does VACUUM take on a 10 GB SQLite database?"
    description = next(s.text for s in load_file(sqlite_docs() / "lang_vacuum.html", max_bytes=10_000_000).sections
                       if s.location == "Description")
    vacuum = focus(description, question, MAX_SOURCE_CHARS)  # what the model is shown
    quote = "Running VACUUM to rebuild the database reclaims this space and reduces the size of the database file."
    assert quote_found(quote, vacuum)
    verdict = check("VACUUM takes a significant amount of time on a large database, depending on the system's "
                    "performance and the amount of data to reclaim.", quote, {1: vacuum}, [1], question)
    assert not verdict.ok and "says more than its sources" in verdict.why
    # The question's own "10 GB" is no proof either.
    verdict = check("It takes about an hour on a 10 GB database.", quote, {1: vacuum}, [1], question)
    assert not verdict.ok and "GB" in verdict.why


# Written for these tests: a small runbook and a manual page of our own.
CACHE_PAGE = """4. Rebuilding the cache

4.1. When to rebuild

Rebuilding the cache may reorder its entries unless they carry a fixed sequence number.
The rebuild was added in version 2.4.1 and takes about 12 minutes for a 5 GB cache.
"""
CLEANUP = """## Clean up

1. Stop the loader with `loaderctl stop`.
2. Only if the disk is full, use `compact --online` during the **Saturday window**. Avoid `CLUSTER`: it holds
   an exclusive lock on the table until it finishes.
"""


def test_a_heading_is_no_quote():
    from assistant.qa.grounding import is_heading

    assert is_heading("4.1. When to rebuild", CACHE_PAGE) and is_heading("When to rebuild", CACHE_PAGE)
    assert is_heading("Clean up", CLEANUP)
    assert not quote_found("4.1. When to rebuild", CACHE_PAGE)
    assert quote_found("Rebuilding the cache may reorder its entries", CACHE_PAGE)
    assert not is_heading("Rebuilding the cache may reorder its entries", CACHE_PAGE)
    # Quoting the heading, the answer is judged by its own words: it says nothing of a version.
    verdict = check("The cache is rebuilt when its entries need a new order.", "4. Rebuilding the cache",
                    {1: CACHE_PAGE}, [1], "Which version added the cache rebuild?")
    assert not verdict.ok


def test_a_question_for_a_number_is_not_answered_without_one():
    from assistant.qa.grounding import NO_NUMBER, gives_number

    for question in ("Which version added the cache rebuild?", "How long does a rebuild of the cache take?",
                     "How many entries does the cache hold?", "At what time does the loader stop?"):
        assert not gives_number("The cache can be rebuilt when needed.", question), question
        assert gives_number("About 12 minutes.", question)
    assert gives_number("It reorders its entries.", "Can rebuilding the cache reorder its entries?")
    question = "Which version of the tool added the cache rebuild?"
    # No quote: the answer's words are the page's, but it names no version.
    verdict = check("Rebuilding the cache may reorder its entries.", "", {1: CACHE_PAGE}, [1], question)
    assert not verdict.ok and verdict.why == NO_NUMBER
    # A verified quote on the question that holds the number answers instead.
    quote = "The rebuild was added in version 2.4.1 and takes about 12 minutes for a 5 GB cache."
    verdict = check("The rebuild was added in a later version.", quote, {1: CACHE_PAGE}, [1], question)
    assert verdict.ok and verdict.how == "source" and verdict.evidence == quote


def test_a_right_quote_worded_wrongly_answers_with_the_whole_sentence():
    question = "Why should CLUSTER be avoided?"
    # The model changed the sentence's lead-in and invented the rest of its answer.
    quote = "Running CLUSTER: it holds an exclusive lock on the table until it finishes."
    verdict = check("CLUSTER is not recommended because its lock blocks the whole server and slows down every "
                    "application connected to it.", quote, {1: CLEANUP}, [1], question)
    assert verdict.ok and verdict.how == "source" and "says more" in verdict.why
    # The sentence is the source's own, with its lead-in "Avoid CLUSTER:".
    assert verdict.evidence == "Avoid CLUSTER: it holds an exclusive lock on the table until it finishes."
    # Off the question, the same reply is still refused.
    verdict = check("CLUSTER is not recommended because it blocks the whole server and slows down every "
                    "application connected to it.", quote, {1: CLEANUP}, [1], "How do I shrink the disk usage?")
    assert not verdict.ok


def test_an_answer_that_only_says_yes_to_the_question_is_followed_by_its_sentence():
    question = "Can rebuilding the cache reorder its entries?"
    quote = "Rebuilding the cache may reorder its entries unless they carry a fixed sequence number."
    verdict = check("Yes, rebuilding the cache can reorder its entries.", quote, {1: CACHE_PAGE}, [1], question)
    assert verdict.ok and verdict.how == "echo" and verdict.evidence == quote
    # An answer that keeps the condition is passed on as it is.
    verdict = check("Yes, unless the entries carry a fixed sequence number.", quote, {1: CACHE_PAGE}, [1], question)
    assert verdict.ok and verdict.how == "quote"


def test_an_answer_with_a_number_of_its_own_is_no_echo():
    from assistant.qa.grounding import echoes

    question = "Which version added the cache rebuild?"
    assert not echoes("Version 2.4.1 added the cache rebuild.", question)
    assert echoes("Yes, the cache rebuild was added.", question)
    assert echoes("No, rebuilding the cache cannot reorder its entries.", "Can rebuilding the cache reorder its entries?")


def test_an_answer_made_up_around_a_quote_on_the_question_s_topic_is_refused():
    # The quote shares the question's topic ("rollout", "started") but not what is asked (who approves);
    # the answer says nothing the sources say: it is invented, and the quote does not answer either.
    page = "## Roll out\n\nTo stop a bad rollout, pause the rollout before the next wave is started.\n"
    question = "Who has to approve a rollout before it is started?"
    quote = "To stop a bad rollout, pause the rollout before the next wave is started."
    verdict = check("The rollout must be approved by the appropriate person or team before it is started.", quote,
                    {1: page}, [1], question)
    assert not verdict.ok and "says more" in verdict.why
    # A wrong paraphrase that keeps some of the sentence's words is still answered with the sentence.
    verdict = check("Pausing needs a manager and a signed ticket for everyone.", quote, {1: page}, [1],
                    "How do I stop a bad rollout?")
    assert verdict.ok and verdict.how == "source"


def test_steps_numbered_inside_a_line_are_no_numbers_of_the_answer():
    steps = "## Deploy\n\n1. Drain the node with `nodectl drain web-7`.\n2. Run `deployer --canary` and wait.\n"
    answer = "To deploy, follow these steps: 1. Drain the node with `nodectl drain web-7`. 2) Run `deployer --canary`."
    assert specific_terms(answer) == {"nodectl drain web-7", "deployer --canary"}
    assert unsupported_terms(answer, steps) == []
    # A number that is no item's stays a claim.
    assert "3" in specific_terms("It was added in release 3. Then it changed.")
    verdict = check(answer, "Drain the node with nodectl drain web-7.", {1: steps}, [1], "How do I deploy?")
    assert verdict.ok
