"""Spaces over real SQLite documentation: hashing, replacement, failures, jobs."""

import shutil

import pytest

from knowledge.documents import DocumentSpaces, SpaceError
from knowledge.ingestion import IngestionManager, TooManyFiles, expand, list_files
from knowledge.registry import Registry
from tests.knowledge.files import sqlite_docs, write_pdf

PAGES = ["lang_vacuum.html", "autoinc.html", "lang_attach.html", "lang_savepoint.html", "lang_explain.html",
         "lang_reindex.html", "lang_detach.html", "lang_droptable.html", "lang_analyze.html", "lang_transaction.html"]


@pytest.fixture
def spaces(tmp_path, store, embedder):
    registry = Registry(tmp_path / "registry.sqlite")
    spaces = DocumentSpaces(registry, store, embedder, chunk_size=800, chunk_overlap=100, max_bytes=2_000_000)
    spaces.create("sqlite-docs")
    yield spaces
    registry.close()


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")
    for page in PAGES:
        shutil.copy(sqlite_docs() / page, folder / page)
    return folder


def test_questions_find_the_page_that_answers_them(spaces, docs_dir):
    manager = IngestionManager(spaces)
    job = manager.wait(manager.submit("sqlite-docs", [docs_dir]).id)
    manager.shutdown()
    assert job.state == "done" and job.to_dict()["counts"] == {"added": len(PAGES)}
    for question, page in [
        ("How can I rebuild the database file to reclaim unused disk space?", "lang_vacuum.html"),
        ("How do I add another database file to the current connection?", "lang_attach.html"),
        ("Does AUTOINCREMENT prevent the reuse of ROWIDs from deleted rows?", "autoinc.html"),
        ("How do I roll back part of a transaction with a named savepoint?", "lang_savepoint.html"),
    ]:
        hits = spaces.search("sqlite-docs", question, k=3)
        assert hits[0].metadata["path"].endswith(page), (question, [h.metadata["path"] for h in hits])
        assert hits[0].metadata["title"] and hits[0].score > 0 and hits[0].vector_score > 0.3


def test_re_adding_is_a_no_op_and_a_changed_file_replaces_its_chunks(spaces, tmp_path):
    doc = tmp_path / "runbook.md"
    doc.write_text("# Failover\nPromote the replica with pg_ctl promote.\n")
    first = spaces.add_file("sqlite-docs", doc)
    assert first.state == "added" and first.chunks == 1
    assert spaces.add_file("sqlite-docs", doc).state == "unchanged"
    doc.write_text("# Failover\nPromote the replica with pg_ctl promote.\n"
                   "## Afterwards\nRebuild the old primary with pg_rewind.\n")
    replaced = spaces.add_file("sqlite-docs", doc)
    assert replaced.state == "replaced" and replaced.chunks == 2
    index = spaces.index("sqlite-docs")
    assert index.count() == 2  # the old version's chunk is gone
    assert spaces.search("sqlite-docs", "pg_rewind old primary", k=1)[0].metadata["location"] == "Failover > Afterwards"
    assert spaces.delete_file("sqlite-docs", first.path)
    assert index.count() == 0 and spaces.documents("sqlite-docs") == []


def test_a_bad_file_fails_alone_and_leaves_nothing_half_indexed(spaces, tmp_path):
    tmp_path = tmp_path / "batch"
    tmp_path.mkdir()
    good = tmp_path / "good.txt"
    good.write_text("The nightly backup runs at 02:00 and keeps 14 days.")
    (tmp_path / "empty.md").write_text("")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nnot a pdf")
    (tmp_path / "huge.txt").write_text("x" * 3_000_000)
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n")
    write_pdf(tmp_path / "manual.pdf", ["Indexes speed up lookups", "Vacuum reclaims space"])
    manager = IngestionManager(spaces)
    job = manager.wait(manager.submit("sqlite-docs", [tmp_path, tmp_path / "missing.md"]).id)
    manager.shutdown()
    states = {r.path.rsplit("/", 1)[-1]: (r.state, r.error_kind) for r in job.results}
    assert states == {
        "good.txt": ("added", None), "manual.pdf": ("added", None), "empty.md": ("failed", "empty"),
        "broken.pdf": ("failed", "corrupt"), "huge.txt": ("failed", "too_large"),
        "photo.png": ("failed", "unsupported"), "missing.md": ("failed", "missing"),
    }
    hits = spaces.search("sqlite-docs", "backup vacuum index pdf", k=20)
    paths = {h.metadata["path"].rsplit("/", 1)[-1] for h in hits}
    assert paths == {"good.txt", "manual.pdf"}
    failed = {d["path"].rsplit("/", 1)[-1]: d["error"]
              for d in spaces.documents("sqlite-docs") if d["state"] == "failed"}
    assert "corrupt" in failed["broken.pdf"] and len(failed) == 5


def test_a_failed_replacement_keeps_the_good_version(spaces, tmp_path):
    doc = tmp_path / "notes.pdf"
    write_pdf(doc, ["Replica lag alarm at 30 seconds"])
    spaces.add_file("sqlite-docs", doc)
    doc.write_bytes(b"%PDF-1.4\ntruncated")
    result = spaces.add_file("sqlite-docs", doc)
    assert result.state == "failed" and result.error_kind == "corrupt"
    assert spaces.search("sqlite-docs", "replica lag alarm", k=1)[0].text.startswith("Replica lag")


def test_space_names_are_checked(spaces):
    with pytest.raises(SpaceError):
        spaces.create("../etc")
    with pytest.raises(SpaceError):
        spaces.index("nope")
    assert [s["name"] for s in spaces.list()] == ["sqlite-docs"]


def test_expand_walks_folders_and_skips_hidden_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.md").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / "b.txt").write_text("b")
    assert [p.name for p in expand([tmp_path])] == ["x.md", "b.txt"]


def test_a_listing_is_bounded_and_checks_each_file_where_it_leads(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("s")
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.md").write_text("a")
    (docs / "sub" / "b.md").write_text("b")
    (docs / "link.txt").symlink_to(outside / "secret.txt")
    (docs / "linked-folder").symlink_to(outside)  # not followed
    inside = lambda path: path.is_relative_to(docs.resolve())  # noqa: E731
    listing = list_files([docs], allow=inside, max_files=3)
    assert [p.name for p in listing.files] == ["a.md", "b.md"] and listing.skipped == 1
    with pytest.raises(TooManyFiles, match="more than 2 files") as refused:
        list_files([docs], allow=inside, max_files=2)
    assert str(docs) not in str(refused.value)


def test_a_job_over_its_file_limit_fails_without_indexing_anything(spaces, docs_dir):
    manager = IngestionManager(spaces)
    submitted = manager.submit("sqlite-docs", [docs_dir], max_files=len(PAGES) - 1)
    assert submitted.started() == {"id": submitted.id, "space": "sqlite-docs", "state": "queued", "paths": 1}
    job = manager.wait(submitted.id)
    manager.shutdown()
    assert job.state == "failed" and f"more than {len(PAGES) - 1} files" in job.error
    assert job.results == [] and spaces.documents("sqlite-docs") == []


def test_a_document_rewritten_through_another_process_is_found_by_its_new_words(tmp_path, store, embedder):
    # Two API processes share the registry and the Chroma store; one rewrites a page, the other searches.
    def process():
        return DocumentSpaces(Registry(tmp_path / "shared.sqlite"), store, embedder, chunk_size=800,
                              chunk_overlap=100)

    writer, reader = process(), process()
    writer.create("notes")
    page = tmp_path / "backup.md"
    page.write_text("# Backups\n\nThe nightly dump runs at two.\n")
    writer.add_file("notes", page)
    assert reader.search("notes", "nightly dump", k=1)[0].keyword_score
    page.write_text("# Backups\n\nThe weekly snapshot runs on sunday.\n")  # as many chunks as before
    assert writer.add_file("notes", page).state == "replaced"
    [hit] = reader.search("notes", "weekly snapshot sunday", k=1)
    assert "weekly snapshot" in hit.text and hit.keyword_score
