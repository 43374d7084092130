"""Adding files and folders in the background, with progress.

A job expands its paths into files when submitted (folders recursively,
hidden files skipped), then indexes them one by one on a single worker thread
(embedding is CPU-bound; two jobs at once would only halve each other). A
file that fails is recorded with its error and the job goes on. The CLI runs
the same `run_job` in its own thread with a progress callback.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.documents import DocumentSpaces, FileResult

MAX_JOBS_KEPT = 200


@dataclass
class IngestionJob:
    id: str
    space: str
    files: list[Path]
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
            "files": [r.to_dict() for r in self.results],
            "error": self.error,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }


def expand(paths: list[Path | str]) -> list[Path]:
    """Files under `paths`, folders walked recursively in name order; a
    missing path stays in the list so that it gets its own error."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def run_job(spaces: DocumentSpaces, job: IngestionJob, progress: Callable[[IngestionJob], None] | None = None) -> None:
    job.state = "running"
    try:
        for path in job.files:
            job.current = str(path)
            job.results.append(spaces.add_file(job.space, path))
            if progress:
                progress(job)
        job.state = "done"
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

    def submit(self, space: str, paths: list[Path | str]) -> IngestionJob:
        self.spaces.get(space)  # an unknown space fails now, not in the background
        job = IngestionJob(id=uuid.uuid4().hex[:12], space=space, files=expand(paths))
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-MAX_JOBS_KEPT]:
                if self._jobs[old].state in ("done", "failed"):
                    del self._jobs[old]
        self._pool.submit(run_job, self.spaces, job)
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
