"""server/uploads.py alone: names, types and caps, over multipart bodies fed in chunks."""

import asyncio
import io
import zipfile

import pytest

from server.uploads import UploadRefused, receive, safe_name

BOUNDARY = "dbgpt-test-boundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(*files: tuple[str, bytes], fields: dict[str, str] | None = None) -> bytes:
    body = b""
    for name, value in (fields or {}).items():
        body += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").encode()
    for filename, data in files:
        body += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


class Chunks:
    """An async body that counts how much of it was read."""

    def __init__(self, body: bytes, size: int = 1000):
        self.blocks = [body[i:i + size] for i in range(0, len(body), size)]
        self.read = 0

    async def __aiter__(self):
        for block in self.blocks:
            self.read += 1
            yield block


def store(body: bytes, folder, *, max_bytes=100_000, max_files=5, chunks=None):
    chunks = chunks or Chunks(body)
    return asyncio.run(receive(CONTENT_TYPE, chunks, folder, max_bytes=max_bytes, max_files=max_files))


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inside.txt", "x" * 1000)
    return buffer.getvalue()


@pytest.mark.parametrize("sent, kept", [
    ("../../evil.txt", "evil.txt"),
    ("..\\..\\windows\\evil.md", "evil.md"),
    (".bashrc.txt", "bashrc.txt"),
    ("...", "document"),
    ("", "document"),
    ("notes..md", "notes.md"),
    ("a\x00b\nc.txt", "a_b_c.txt"),
    ("Rapport annuel é 2024.pdf", "Rapport annuel é 2024.pdf"),
    ("x" * 300 + ".html", "x" * 115 + ".html"),
])
def test_names_are_only_names(sent, kept):
    assert safe_name(sent) == kept


def test_files_land_in_the_folder_under_their_names_made_unique(tmp_path):
    folder = tmp_path / "uploads" / "ops"
    stored = store(multipart(("runbook.md", b"# Failover\nPromote the replica."), ("../runbook.md", b"# Other"),
                             ("notes.txt", b"x" * 5000), fields={"comment": "ignored"}), folder)
    assert [p.name for p in stored] == ["runbook.md", "runbook-2.md", "notes.txt"]
    assert all(p.parent == folder for p in stored)
    assert (folder / "runbook-2.md").read_bytes() == b"# Other" and (folder / "notes.txt").stat().st_size == 5000
    assert leftovers(folder) == ["notes.txt", "runbook-2.md", "runbook.md"]  # no staging folder left


def test_a_later_upload_of_the_same_name_replaces_the_file(tmp_path):
    store(multipart(("notes.txt", b"version 1")), tmp_path)
    store(multipart(("notes.txt", b"version 2")), tmp_path)
    assert (tmp_path / "notes.txt").read_bytes() == b"version 2" and leftovers(tmp_path) == ["notes.txt"]


def test_the_size_cap_is_checked_as_the_body_streams_in_and_nothing_stays(tmp_path):
    body = multipart(("small.txt", b"fine"), ("big.txt", b"y" * 50_000))
    chunks = Chunks(body)
    with pytest.raises(UploadRefused) as refused:
        store(body, tmp_path, max_bytes=10_000, chunks=chunks)
    assert refused.value.status == 413
    assert chunks.read < len(chunks.blocks) / 3  # stopped near the cap, not after reading it all
    assert leftovers(tmp_path) == []


def test_too_many_files_is_413_and_nothing_stays(tmp_path):
    with pytest.raises(UploadRefused) as refused:
        store(multipart(*[(f"{i}.txt", b"x") for i in range(3)]), tmp_path, max_files=2)
    assert refused.value.status == 413 and "at most 2 files" in refused.value.message
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("filename, data", [
    ("docs.zip", zipped()),
    ("docs.tar.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 100),
    ("backup.7z", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 100),
    ("renamed.txt", zipped()),  # an archive under a document's name
    ("renamed.md", b"\x1f\x8b\x08\x00" + b"\x00" * 2000),
    ("renamed.csv", b"a" * 257 + b"ustar\x0000" + b"\x00" * 300),
])
def test_archives_are_refused_by_name_and_by_content(tmp_path, filename, data):
    with pytest.raises(UploadRefused) as refused:
        store(multipart(("first.txt", b"fine"), (filename, data)), tmp_path)
    assert refused.value.status == 415 and "archive" in refused.value.message
    assert leftovers(tmp_path) == []


def test_a_docx_is_a_zip_and_is_accepted(tmp_path):
    assert [p.name for p in store(multipart(("report.docx", zipped())), tmp_path)] == ["report.docx"]


def test_types_the_loaders_cannot_read_are_refused(tmp_path):
    with pytest.raises(UploadRefused) as refused:
        store(multipart(("photo.png", b"\x89PNG\r\n")), tmp_path)
    assert refused.value.status == 415 and ".png" in refused.value.message and ".pdf" in refused.value.message


@pytest.mark.parametrize("body, content_type, status", [
    (multipart(fields={"only": "a field"}), CONTENT_TYPE, 422),
    (multipart(("a.txt", b"x"))[:-30], CONTENT_TYPE, 400),  # cut off inside the file
    (b"{}", "application/json", 415),
    (b"", "multipart/form-data", 400),
])
def test_bodies_without_files_or_not_multipart_are_refused(tmp_path, body, content_type, status):
    with pytest.raises(UploadRefused) as refused:
        asyncio.run(receive(content_type, Chunks(body), tmp_path, max_bytes=10_000, max_files=5))
    assert refused.value.status == status
    assert leftovers(tmp_path) == []


def test_form_fields_are_kept_and_bounded(tmp_path):
    from server.uploads import MAX_FIELD_BYTES, receive_form

    def form(body):
        return asyncio.run(receive_form(CONTENT_TYPE, Chunks(body), tmp_path / "in", max_bytes=100_000, max_files=5))

    kept = form(multipart(("a.txt", b"hello"), fields={"name": "sales"}))
    assert kept.fields == {"name": "sales"} and [p.name for p in kept.files] == ["a.txt"]
    with pytest.raises(UploadRefused) as refused:
        form(multipart(("b.txt", b"hello"), fields={"name": "x" * (MAX_FIELD_BYTES + 1)}))
    assert refused.value.status == 413


def test_a_zip_container_passes_only_where_the_route_reads_it(tmp_path):
    from server.uploads import Accepted, receive_form

    sheets = Accepted(frozenset({".xlsx"}), frozenset({".xlsx"}), what="files")
    body = multipart(("book.xlsx", zipped()))
    with pytest.raises(UploadRefused) as refused:
        store(body, tmp_path / "documents")
    assert refused.value.status == 415
    form = asyncio.run(receive_form(CONTENT_TYPE, Chunks(body), tmp_path / "files", max_bytes=100_000, max_files=5,
                                    accepted=sheets))
    assert [p.name for p in form.files] == ["book.xlsx"]
    with pytest.raises(UploadRefused) as archive:
        asyncio.run(receive_form(CONTENT_TYPE, Chunks(multipart(("book.zip", zipped()))), tmp_path / "z",
                                 max_bytes=100_000, max_files=5, accepted=sheets))
    assert archive.value.status == 415 and "archive" in archive.value.message
