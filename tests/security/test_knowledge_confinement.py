"""Documents enter the knowledge store only by upload or from paths under the
configured file roots; over real routes, a real Chroma store and the real
embedder. The roots here enclose the data dir, so its own files must be kept
out by rule, not by luck."""

import io
import time
import zipfile

import pytest

from knowledge.service import Knowledge
from server.app import create_app
from server.settings import Settings
from tests.knowledge.fixtures import embedder  # noqa: F401
from tests.support.auth import signed_in
from tests.support.helpers import wait_for_job

API = "/api/v1/knowledge"


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models", file_roots=[tmp_path],
                    max_upload_bytes=20_000, max_upload_files=3, max_ingest_files=50)


@pytest.fixture
def app(settings, embedder):
    return create_app(settings, knowledge=Knowledge(settings, embedder=embedder))


@pytest.fixture
def client(app, settings):
    with signed_in(app, settings) as test_client:
        assert test_client.post(f"{API}/spaces", json={"name": "ops"}).status_code == 201
        yield test_client


@pytest.fixture
def uploads(settings):
    return settings.uploads_path / "ops"


def nothing_ingested(client):
    return client.get(f"{API}/spaces/ops/documents").json() == [] and client.get(f"{API}/jobs").json() == []


def stored_files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


# Paths -------------------------------------------------------------------------------
def test_paths_outside_the_roots_are_refused_alike_and_nothing_is_ingested(client, tmp_path, settings):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "passwd.txt").symlink_to("/etc/passwd")
    (tmp_path / "docs" / "etc").symlink_to("/etc")
    details = set()
    for path in ["/etc", "/etc/passwd", "/etc/no-such-file", str(settings.metadata_db_path),
                 str(settings.secret_key_path), str(settings.data_dir), str(settings.chroma_path),
                 str(tmp_path / "docs" / "passwd.txt"), str(tmp_path / "docs" / "etc"),
                 str(tmp_path / "docs" / ".." / ".." / ".." / "etc" / "hosts")]:
        answer = client.post(f"{API}/spaces/ops/documents", json={"paths": [path]})
        assert answer.status_code == 403, path
        details.add(answer.json()["detail"])
    # One message for all of them: whether a path exists, is a folder or a link is not told.
    assert len(details) == 1
    detail = details.pop()
    assert "etc" not in detail and "passwd" not in detail and str(tmp_path) not in detail
    assert nothing_ingested(client)


def test_one_bad_path_refuses_the_whole_request(client, tmp_path):
    (tmp_path / "fine.md").write_text("# Fine\n")
    answer = client.post(f"{API}/spaces/ops/documents", json={"paths": [str(tmp_path / "fine.md"), "/etc/hosts"]})
    assert answer.status_code == 403 and "paths[1]" in answer.json()["detail"]
    assert nothing_ingested(client)


def test_the_root_of_the_disk_is_refused_at_once(client):
    start = time.monotonic()
    answer = client.post(f"{API}/spaces/ops/documents", json={"paths": ["/"]})
    assert answer.status_code == 403 and time.monotonic() - start < 1.0
    assert nothing_ingested(client)


def test_a_folder_is_walked_by_the_job_and_never_listed_in_the_answer(client, tmp_path, settings):
    docs = tmp_path / "docs"
    (docs / "deep").mkdir(parents=True)
    (docs / "guide.md").write_text("# Guide\nRestart the replica after a failover.\n")
    (docs / "deep" / "notes.txt").write_text("The nightly backup runs at 02:00.")
    (docs / "hosts.txt").symlink_to("/etc/hosts")  # a link inside a root that leads out
    (docs / "secret.txt").symlink_to(settings.secret_key_path)  # and one into the product's own state
    answer = client.post(f"{API}/spaces/ops/documents", json={"paths": [str(docs)]})
    assert answer.status_code == 202
    started = answer.json()
    assert set(started) == {"id", "space", "state", "paths"} and started["paths"] == 1
    job = wait_for_job(client, started["id"])
    assert job["state"] == "done" and job["counts"] == {"added": 2} and job["skipped"] == 2
    paths = [f["path"] for f in job["files"]]
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["notes.txt", "guide.md"]
    assert not any("hosts" in p or "secret" in p for p in paths)


def test_a_root_that_holds_the_data_dir_does_not_give_its_files_away(client, tmp_path, settings):
    (tmp_path / "readme.md").write_text("# Readme\nThe team's own notes.\n")
    job = wait_for_job(client, client.post(f"{API}/spaces/ops/documents", json={"paths": [str(tmp_path)]}).json()["id"])
    data = str(settings.data_dir.resolve())
    assert job["state"] == "done" and job["skipped"] > 0  # metadata.sqlite, secret.key, the Chroma store ...
    assert [f["path"] for f in job["files"]] == [str((tmp_path / "readme.md").resolve())]
    assert not any(f["path"].startswith(data) for f in job["files"])


def test_a_walk_past_the_file_limit_fails_the_job_without_listing_anything(client, tmp_path):
    many = tmp_path / "many"
    many.mkdir()
    for i in range(51):
        (many / f"{i:03}.txt").write_text(f"note {i}")
    job = wait_for_job(client, client.post(f"{API}/spaces/ops/documents", json={"paths": [str(many)]}).json()["id"])
    assert job["state"] == "failed" and "more than 50 files" in job["error"]
    assert str(many) not in job["error"] and job["files"] == [] and job["total"] == 0
    assert client.get(f"{API}/spaces/ops/documents").json() == []


# Uploads -----------------------------------------------------------------------------
def test_an_upload_over_the_size_cap_is_413_and_leaves_no_file(client, uploads):
    big = [("files", ("a.txt", b"a" * 8_000, "text/plain")), ("files", ("b.txt", b"b" * 15_000, "text/plain"))]
    assert client.post(f"{API}/spaces/ops/upload", files=big).status_code == 413
    # Sent without a length, the body is counted as it arrives.
    body = b"--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"c.txt\"\r\n\r\n" + b"c" * 30_000

    def chunks():
        for i in range(0, len(body), 4096):
            yield body[i:i + 4096]

    streamed = client.post(f"{API}/spaces/ops/upload", content=chunks(),
                           headers={"Content-Type": "multipart/form-data; boundary=B"})
    assert streamed.status_code == 413
    assert stored_files(uploads) == [] and nothing_ingested(client)


def test_too_many_files_is_413_and_leaves_no_file(client, uploads):
    files = [("files", (f"{i}.txt", b"x", "text/plain")) for i in range(4)]
    answer = client.post(f"{API}/spaces/ops/upload", files=files)
    assert answer.status_code == 413 and "at most 3 files" in answer.json()["detail"]
    assert stored_files(uploads) == [] and nothing_ingested(client)


def test_archives_are_refused_with_a_clear_message(client, uploads):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil.txt", "x")
    for name in ("docs.zip", "docs.txt"):
        answer = client.post(f"{API}/spaces/ops/upload", files=[
            ("files", ("fine.md", b"# Fine\n", "text/markdown")),
            ("files", (name, buffer.getvalue(), "application/zip"))])
        assert answer.status_code == 415, name
        assert "archive" in answer.json()["detail"] and "not unpacked" in answer.json()["detail"]
    assert stored_files(uploads) == [] and nothing_ingested(client)


def test_a_name_with_parent_folders_lands_inside_the_uploads_folder(client, uploads, tmp_path):
    answer = client.post(f"{API}/spaces/ops/upload", files={"files": ("../../evil.txt", b"evil", "text/plain")})
    assert answer.status_code == 202 and answer.json()["files"] == ["evil.txt"]
    assert stored_files(uploads) == ["evil.txt"]
    assert not (uploads.parent.parent / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()
    job = wait_for_job(client, answer.json()["id"])
    assert job["counts"] == {"added": 1} and job["files"][0]["path"] == str((uploads / "evil.txt").resolve())


def test_an_analyst_may_neither_upload_nor_name_paths(app, settings, uploads, tmp_path):
    (tmp_path / "fine.md").write_text("# Fine\n")
    with signed_in(app, settings) as admin:
        assert admin.post(f"{API}/spaces", json={"name": "ops"}).status_code == 201
    with signed_in(app, settings, user="ana", role="analyst") as analyst:
        upload = analyst.post(f"{API}/spaces/ops/upload", files={"files": ("fine.md", b"# Fine\n", "text/markdown")})
        assert upload.status_code == 403
        paths = analyst.post(f"{API}/spaces/ops/documents", json={"paths": [str(tmp_path / "fine.md")]})
        assert paths.status_code == 403
    assert stored_files(uploads) == []
