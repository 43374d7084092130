"""Adding files and folders in the background, with progress.

A job is submitted with the paths it was given and lists them on its worker
thread, not in the request: folders are walked recursively (hidden files and
folders skipped, symlinked folders not followed), each file is checked by the
caller's `allow` rule (a file it refuses is skipped and counted), and a walk
that finds more than `max_files` files stops and fails the job, so that a
huge folder costs neither the request nor the store. Files are then indexed
one by one on a single worker thread (embedding is CPU-bound; two jobs at
once would only halve each other). A file that fails is recorded with its
error and the job goes on. The CLI lists its paths itself and runs the same
`run_job` in its own thread with a progress callback.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.documents import DocumentSpaces, FileResult

MAX_JOBS_KEPT = 200


@dataclass
class IngestionJob:
    id: str
    space: str
    files: list[Path] = field(default_factory=list)  # what is indexed, once listed
    paths: list[Path] = field(default_factory=list)  # what was asked for, listed when the job runs
    skipped: int = 0  # files the walk found that the caller may not read
    state: str = "queued"  # queued | running | done | failed
    results: list[FileResult] = field(default_factory=list)
    current: str | None = None
    error: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    @property
    def done(self) -> int:
        return len(self.results)

    def to_dict(self) -> dict:
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.state] = counts.get(result.state, 0) + 1
        return {
            "id": self.id,
            "space": self.space,
            "state": self.state,
            "total": len(self.files),
            "done": self.done,
            "current": self.current,
            "counts": counts,
            "skipped": self.skipped,
            "files": [r.to_dict() for r in self.results],
            "error": self.error,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }

    def started(self) -> dict:
        """What the request that submits a job answers: nothing the walk has found yet."""
        return {"id": self.id, "space": self.space, "state": "queued", "paths": len(self.paths)}


class TooManyFiles(Exception):
    def __init__(self, max_files: int):
        super().__init__(f"the folders hold more than {max_files} files; add fewer at once "
                         "(DBGPT_MAX_INGEST_FILES raises the limit)")


@dataclass
class Listing:
    files: list[Path] = field(default_factory=list)
    skipped: int = 0


def _walk(folder: Path) -> Iterator[Path]:
    """Files under `folder`, hidden ones and symlinked folders left out."""
    for top, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        yield from (Path(top, name) for name in names if not name.startswith("."))


def list_files(paths: list[Path | str], *, allow: Callable[[Path], bool] | None = None,
               max_files: int | None = None) -> Listing:
    """The files under `paths`, resolved; a missing path stays in the list so
    that it gets its own error. Beyond `max_files` files found: TooManyFiles."""
    listing = Listing()
    seen = 0
    for raw in paths:
        path = Path(raw).expanduser()
        found: list[Path] = []
        for file in _walk(path) if path.is_dir() else [path]:
            seen += 1
            if max_files is not None and seen > max_files:
                raise TooManyFiles(max_files)
            found.append(file)
        for file in sorted(found):
            try:
                resolved = file.resolve()
            except (OSError, RuntimeError):  # a symlink loop
                listing.skipped += 1
                continue
            if allow is None or allow(resolved):
                listing.files.append(resolved)
            else:
                listing.skipped += 1
    listing.files = list(dict.fromkeys(listing.files))
    return listing


def expand(paths: list[Path | str]) -> list[Path]:
    """Every file under `paths`, unbounded: for the local owner (the CLI)."""
    return list_files(paths).files


def run_job(spaces: DocumentSpaces, job: IngestionJob, progress: Callable[[IngestionJob], None] | None = None,
            *, allow: Callable[[Path], bool] | None = None, max_files: int | None = None) -> None:
    job.state = "running"
    try:
        if job.paths:
            listing = list_files(job.paths, allow=allow, max_files=max_files)
            job.files, job.skipped = listing.files, listing.skipped
        for path in job.files:
            job.current = str(path)
            job.results.append(spaces.add_file(job.space, path))
            if progress:
                progress(job)
        job.state = "done"
    except TooManyFiles as exc:
        job.state, job.error = "failed", str(exc)
    except Exception as exc:  # the store went away: the job stops, its finished files stay
        job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        job.current = None
        job.finished_at = time.time()


class IngestionManager:
    def __init__(self, spaces: DocumentSpaces):
        self.spaces = spaces
        self._jobs: dict[str, IngestionJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")

    def submit(self, space: str, paths: list[Path | str], *, allow: Callable[[Path], bool] | None = None,
               max_files: int | None = None) -> IngestionJob:
        """Queue `paths` for `space`; they are listed (with `allow` and `max_files`) when the job runs."""
        self.spaces.get(space)  # an unknown space fails now, not in the background
        job = IngestionJob(id=uuid.uuid4().hex[:12], space=space, paths=[Path(p) for p in paths])
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-MAX_JOBS_KEPT]:
                if self._jobs[old].state in ("done", "failed"):
                    del self._jobs[old]
        self._pool.submit(run_job, self.spaces, job, allow=allow, max_files=max_files)
        return job

    def get(self, job_id: str) -> IngestionJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[IngestionJob]:
        with self._lock:
            return list(self._jobs.values())

    def wait(self, job_id: str, timeout_s: float = 60.0) -> IngestionJob:
        deadline = time.monotonic() + timeout_s
        job = self.get(job_id)
        while job is not None and job.state in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.05)
        return job

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
