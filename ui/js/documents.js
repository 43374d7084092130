// Adding documents from the page: make the space if it is new, upload the
// files into it, and follow the indexing job until it ends.

import { getJSON, postForm, postJSON } from "./api.js";

const SPACES = "/api/v1/knowledge/spaces";
const POLL_MS = 400;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The job once it is done or failed; onProgress hears "uploading" and each "indexing" step.
export async function addDocuments(space, files, onProgress = () => {}) {
  await postJSON(SPACES, { name: space }); // an existing space is left as it is
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  onProgress({ state: "uploading", total: files.length, done: 0 });
  const started = await postForm(`${SPACES}/${encodeURIComponent(space)}/upload`, form);
  for (;;) {
    const job = await getJSON(`/api/v1/knowledge/jobs/${encodeURIComponent(started.id)}`);
    if (job.state === "done" || job.state === "failed") return job;
    onProgress(job);
    await sleep(POLL_MS);
  }
}

// "report.pdf: corrupt: cannot read ..." for each file that could not be indexed.
export function problems(job) {
  const lines = job.files.filter((f) => f.state === "failed")
    .map((f) => `${f.path.split("/").pop()}: ${f.error_kind ? `${f.error_kind}: ` : ""}${f.error || "failed"}`);
  return job.error ? [job.error, ...lines] : lines;
}

export function progressText(job) {
  if (job.state === "uploading") return `Uploading ${job.total} file${job.total === 1 ? "" : "s"}…`;
  if (job.state === "queued" || !job.total) return "Waiting to index…";
  return `Indexing ${job.done} of ${job.total}…`;
}
