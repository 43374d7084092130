// Verified examples of the chosen database: question, SQL, who added each and
// when, found by words in either, deleted after the user confirms.

import { deleteJSON, getJSON } from "./api.js";
import { h } from "./dom.js";

const EXAMPLES = "/api/v1/knowledge/examples";
const SEARCH_DELAY_MS = 200;
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

const $ = (id) => document.getElementById(id);
const shown = { db: null, asked: 0, timer: null };

function examplesUrl(db, q) {
  const params = new URLSearchParams({ db });
  if (q) params.set("q", q);
  return `${EXAMPLES}?${params}`;
}

function fail(error) {
  $("examples-error").textContent = error.message;
  $("examples-error").hidden = false;
}

async function remove(example) {
  if (!confirm(`Delete the verified example "${example.question}"? Similar questions will no longer be answered from it.`)) return;
  try {
    await deleteJSON(`${EXAMPLES}/${example.id}?${new URLSearchParams({ db: shown.db })}`);
    await load();
  } catch (error) {
    fail(error);
  }
}

function row(example) {
  const added = [example.created_by || example.source, example.created_at ? when.format(example.created_at * 1000) : null];
  return h("tr", { class: example.state === "ok" ? null : "quarantined" },
    h("td", {}, example.question,
      example.state === "ok" ? null : h("div", { class: "muted" }, `Not used: ${example.reason}`)),
    h("td", {}, h("pre", { class: "sql" }, example.sql)),
    h("td", { class: "muted" }, added.filter(Boolean).join(", ")),
    h("td", {}, h("button", { type: "button", class: "quiet small", onclick: () => remove(example) }, "Delete")));
}

// The list for the search box's text; an answer to an earlier search that arrives late is dropped.
async function load() {
  const q = $("examples-search").value.trim();
  const asked = ++shown.asked;
  $("examples-error").hidden = true;
  let examples;
  try {
    examples = await getJSON(examplesUrl(shown.db, q));
  } catch (error) {
    if (asked === shown.asked) fail(error);
    return;
  }
  if (asked !== shown.asked) return;
  $("examples-list").replaceChildren(...examples.map(row));
  $("examples-table").hidden = !examples.length;
  $("examples-status").textContent = examples.length
    ? `${examples.length} example${examples.length === 1 ? "" : "s"}${q ? ` matching "${q}"` : ""}`
    : q ? `No example matches "${q}".` : "No examples yet: mark a right answer Correct to add one.";
}

export function openExamples(db) {
  shown.db = db;
  $("examples-title").textContent = `Verified examples for ${db}`;
  $("examples-search").value = "";
  $("examples-list").replaceChildren();
  $("examples-dialog").showModal();
  return load();
}

export function setupExamples() {
  $("examples-close").addEventListener("click", () => $("examples-dialog").close());
  $("examples-search").addEventListener("input", () => {
    clearTimeout(shown.timer);
    shown.timer = setTimeout(load, SEARCH_DELAY_MS);
  });
}
