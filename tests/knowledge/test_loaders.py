"""Each supported kind, text in the encodings exports come in, and each failure kind."""

import pytest

from knowledge.loaders import DocumentError, load_file
from tests.knowledge.files import sqlite_docs, write_docx, write_pdf


def test_markdown_sections_follow_headings(tmp_path):
    path = tmp_path / "runbook.md"
    path.write_text("# Backups\nNightly at 02:00.\n## Restore\nUse pg_restore with -j 4.\n")
    loaded = load_file(path, max_bytes=10_000)
    assert loaded.title == "Backups"
    assert [s.location for s in loaded.sections] == ["Backups", "Backups > Restore"]
    assert "pg_restore" in loaded.sections[1].text


def test_html_sections_follow_headings_without_scripts_or_diagrams():
    loaded = load_file(sqlite_docs() / "lang_vacuum.html", max_bytes=10_000_000)
    assert loaded.title == "VACUUM" and loaded.kind == "html"
    locations = [s.location for s in loaded.sections]
    assert "Description > VACUUM with an INTO clause" in locations
    text = " ".join(s.text for s in loaded.sections)
    assert "function " not in text and "<svg" not in text


def test_html_links_and_code_stay_in_their_sentence_and_a_paragraph_is_one_line():
    loaded = load_file(sqlite_docs() / "lang_vacuum.html", max_bytes=10_000_000)
    lines = [line for s in loaded.sections for line in s.text.splitlines()]
    # The links (PRAGMA secure_delete, backup API) read where they stand, not after the paragraph.
    assert any(line.endswith("Using VACUUM in this way is an alternative to setting PRAGMA secure_delete=ON.")
               for line in lines)
    assert any("with an INTO clause is an alternative to the backup API for generating backup copies" in line
               for line in lines)
    assert "The VACUUM command rebuilds the database file, repacking it into a minimal amount of disk space. " \
           "There are several reasons an application might do this:" in lines
    text = "\n".join(lines)
    assert "IE hack" not in text and "Search Documentation" not in text  # a comment, a search form
    description = next(s for s in loaded.sections if s.location == "Description")
    assert description.text.startswith("2. Description\n")  # the heading, numbered as on the page


def test_pdf_pages_docx_text_and_csv_rows(tmp_path):
    pdf = load_file(write_pdf(tmp_path / "m.pdf", ["Chapter one: indexes", "Chapter two: vacuum"]), max_bytes=10**6)
    assert [(s.location, s.text.strip()) for s in pdf.sections] == [
        ("page 1", "Chapter one: indexes"), ("page 2", "Chapter two: vacuum")]
    docx = load_file(write_docx(tmp_path / "d.docx", ["Escalation policy", "Page the on-call DBA"]), max_bytes=10**6)
    assert "Page the on-call DBA" in docx.sections[0].text
    rows = "\n".join(["code,meaning"] + [f"E{i},error number {i}" for i in range(120)])
    (tmp_path / "codes.csv").write_text(rows)
    csv = load_file(tmp_path / "codes.csv", max_bytes=10**6)
    assert [s.location for s in csv.sections] == ["rows 1-50", "rows 51-100", "rows 101-120"]
    assert "meaning: error number 7" in csv.sections[0].text


def test_text_in_windows_1252_and_csv_with_a_byte_order_mark(tmp_path):
    (tmp_path / "notes.txt").write_bytes("Le café ferme à 18 h ; réindexer après la purge.".encode("cp1252"))
    assert "réindexer après" in load_file(tmp_path / "notes.txt", max_bytes=10_000).sections[0].text
    (tmp_path / "codes.csv").write_bytes("\ufeffcode,meaning\nE1,disk full\nE2,\n".encode("utf-8"))
    text = load_file(tmp_path / "codes.csv", max_bytes=10_000).sections[0].text
    assert text == "code: E1\nmeaning: disk full\n\ncode: E2\nmeaning: "


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("empty.md", b"", "empty"),
        ("blank.txt", b"   \n\n  ", "empty"),
        ("big.txt", b"x" * 2000, "too_large"),
        ("photo.png", b"\x89PNG\r\n", "unsupported"),
        ("broken.pdf", b"%PDF-1.4\nthis is not a pdf at all", "corrupt"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "corrupt"),
    ],
)
def test_failures_have_a_kind_and_a_message(tmp_path, name, content, kind):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        load_file(path, max_bytes=1000)
    assert caught.value.kind == kind and caught.value.message


def test_a_missing_file(tmp_path):
    with pytest.raises(DocumentError) as caught:
        load_file(tmp_path / "nowhere.md", max_bytes=1000)
    assert caught.value.kind == "missing"
