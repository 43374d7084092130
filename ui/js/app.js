// The chat page: pick a database and a skill, ask, and read the answer as it streams.

import { getJSON, postJSON } from "./api.js";
import { diagnoseSql } from "./diagnose_view.js";
import { addDocuments, problems, progressText } from "./documents.js";
import { errorBox, h } from "./dom.js";
import { openExamples, setupExamples } from "./examples_view.js";
import { askDocuments } from "./qa_view.js";
import { askData } from "./sql_view.js";

// `max`: the most characters the server takes (MAX_QUESTION_CHARS in
// server/api/schemas.py, MAX_SQL_CHARS in server/api/diagnose.py).
const MODES = {
  sql: { run: askData, placeholder: "Ask a question about your data…", you: "Question", max: 2000 },
  diagnose: { run: diagnoseSql, placeholder: "Paste one SQL statement to diagnose…", you: "SQL", max: 100000 },
  qa: { run: askDocuments, placeholder: "Ask about your documents and schema…", you: "Question", max: 2000 },
};
const count = new Intl.NumberFormat();

const $ = (id) => document.getElementById(id);
const state = { mode: "sql", busy: null, conversations: {} };

// randomUUID exists only in secure contexts; a LAN address over http is not one.
function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function context() {
  const db = $("database").value || "demo";
  state.conversations[db] ||= newId(); // follow-up questions keep the context of this database's chat
  return { db, space: $("space").value, conversationId: state.conversations[db] };
}

async function loadDatabases(select) {
  const current = select || $("database").value;
  const connections = await getJSON("/api/v1/connections");
  $("database").replaceChildren(...connections.map((c) =>
    h("option", { value: c.name, title: c.description || c.url }, `${c.name} (${c.engine})`)));
  if (connections.some((c) => c.name === current)) $("database").value = current;
}

async function loadSpaces(select) {
  const current = select ?? $("space").value;
  const spaces = await getJSON("/api/v1/knowledge/spaces");
  $("space").replaceChildren(h("option", { value: "" }, "All spaces"),
    ...spaces.map((s) => h("option", { value: s.name, title: s.description || "" }, s.name)));
  $("space-names").replaceChildren(...spaces.map((s) => h("option", { value: s.name })));
  if (spaces.some((s) => s.name === current)) $("space").value = current;
}

async function checkModel() {
  const status = $("model-status");
  try {
    const health = await getJSON("/healthz");
    status.textContent = `model: ${health.model}`;
    status.className = "status ok";
  } catch (error) {
    status.textContent = error.status === 503 ? "model: starting…" : "model: unreachable";
    status.className = "status waiting";
    setTimeout(checkModel, 5000);
  }
}

// The box takes no more than the server does, and says so near the limit; a
// text over it (pasted SQL kept when the mode changes) is not sent.
function checkLength() {
  const { max, you } = MODES[state.mode];
  const length = $("input").value.length;
  const over = length > max;
  $("length").textContent = over
    ? `${you} too long: ${count.format(length)} characters; at most ${count.format(max)}.`
    : length >= max * 0.9 ? `${count.format(length)} of ${count.format(max)} characters` : "";
  $("length").classList.toggle("over", over || length === max);
  return !over;
}

function setMode(mode) {
  state.mode = mode;
  for (const tab of document.querySelectorAll("[data-mode]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
  }
  $("input").placeholder = MODES[mode].placeholder;
  $("input").maxLength = MODES[mode].max;
  $("input").classList.toggle("code", mode === "diagnose");
  checkLength();
  $("input").focus();
}

// On an empty page, a few questions about the chosen database, written by the
// server from its schema: one click asks it.
async function showStarters() {
  const db = $("database").value;
  if ($("starters") && $("starters").dataset.db !== db) $("starters").remove(); // about another database
  if (!db || $("log").querySelector(".turn")) return;
  let questions = [];
  try {
    ({ questions } = await getJSON(`/api/v1/suggestions?db=${encodeURIComponent(db)}`));
  } catch { /* no starters: the empty box still works */ }
  if ($("log").querySelector(".turn") || $("database").value !== db) return; // asked, or moved on, meanwhile
  const starters = questions.length
    ? h("section", { id: "starters", class: "starters", "data-db": db, "aria-label": "Questions to start with" },
      h("p", { class: "muted" }, `Questions about ${db} to start with:`),
      questions.map((question) => h("button", { type: "button", class: "quiet", onclick: () => askStarter(question) },
        question)))
    : null;
  const shown = $("starters");
  if (shown && starters) shown.replaceWith(starters);
  else if (shown) shown.remove();
  else if (starters) $("log").prepend(starters);
}

function askStarter(question) {
  if (state.mode !== "sql") setMode("sql");
  $("input").value = question;
  $("composer").requestSubmit();
}

function setBusy(controller) {
  state.busy = controller;
  $("send").disabled = Boolean(controller);
  $("stop").hidden = !controller;
}

async function submit(event) {
  event.preventDefault();
  const text = $("input").value.trim();
  if (!text || state.busy || !checkLength()) return;
  const mode = MODES[state.mode];
  const ctx = context();
  if ($("starters")) $("starters").remove();
  const card = h("article", { class: `turn mode-${state.mode}` });
  $("log").append(
    h("section", { class: "you" }, h("div", { class: "muted" }, `${mode.you} · ${ctx.db}`),
      h(state.mode === "diagnose" ? "pre" : "p", { class: state.mode === "diagnose" ? "sql" : null }, text)),
    card);
  $("input").value = "";
  checkLength();
  const controller = new AbortController();
  setBusy(controller);
  card.scrollIntoView({ behavior: "smooth", block: "end" });
  try {
    await mode.run(card, text, ctx, controller.signal);
  } catch (error) {
    for (const progress of card.querySelectorAll(".stages")) progress.remove(); // the work it spoke of ended
    if (error.name === "AbortError") card.append(h("p", { class: "muted" }, "Stopped."));
    else card.append(errorBox(error.status ? `HTTP ${error.status}` : "Network", error.message, error.body && error.body.rule));
    if (error.status === 503) checkModel();
  } finally {
    setBusy(null);
    card.scrollIntoView({ behavior: "smooth", block: "end" });
  }
}

function openDatabaseDialog() {
  $("database-form").reset();
  $("database-error").hidden = true;
  $("database-dialog").showModal();
}

async function saveDatabase(event) {
  event.preventDefault();
  const form = new FormData($("database-form"));
  const body = Object.fromEntries([...form.entries()].filter(([, v]) => v !== ""));
  try {
    const saved = await postJSON("/api/v1/connections", body);
    $("database-dialog").close();
    await loadDatabases(saved.name);
  } catch (error) {
    $("database-error").textContent = error.message;
    $("database-error").hidden = false;
  }
}

function openDocumentsDialog() {
  $("documents-form").reset();
  $("documents-form").elements.space.value = $("space").value;
  for (const id of ["documents-error", "documents-status"]) $(id).hidden = true;
  $("documents-dialog").showModal();
}

function documentsStatus(text) {
  $("documents-status").textContent = text;
  $("documents-status").hidden = false;
}

async function uploadDocuments(event) {
  event.preventDefault();
  const space = $("documents-form").elements.space.value.trim();
  const files = [...$("documents-files").files];
  $("documents-error").hidden = true;
  $("documents-upload").disabled = true;
  try {
    const job = await addDocuments(space, files, (progress) => documentsStatus(progressText(progress)));
    await loadSpaces(space);
    const failed = problems(job);
    if (!failed.length) {
      $("documents-dialog").close();
      return;
    }
    const counts = Object.entries(job.counts).sort().map(([state, n]) => `${n} ${state}`).join(", ");
    documentsStatus(counts || "Nothing was indexed.");
    $("documents-error").replaceChildren(...failed.map((line) => h("div", {}, line)));
    $("documents-error").hidden = false;
  } catch (error) {
    $("documents-status").hidden = true;
    $("documents-error").textContent = error.message;
    $("documents-error").hidden = false;
  } finally {
    $("documents-upload").disabled = false;
  }
}

function start() {
  for (const tab of document.querySelectorAll("[data-mode]")) {
    tab.addEventListener("click", () => setMode(tab.dataset.mode));
  }
  $("composer").addEventListener("submit", submit);
  $("input").addEventListener("input", checkLength);
  $("database").addEventListener("change", showStarters);
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("stop").addEventListener("click", () => state.busy && state.busy.abort());
  $("add-database").addEventListener("click", openDatabaseDialog);
  $("database-cancel").addEventListener("click", () => $("database-dialog").close());
  $("database-form").addEventListener("submit", saveDatabase);
  $("examples").addEventListener("click", () => openExamples($("database").value || "demo"));
  setupExamples();
  $("add-documents").addEventListener("click", openDocumentsDialog);
  $("documents-cancel").addEventListener("click", () => $("documents-dialog").close());
  $("documents-form").addEventListener("submit", uploadDocuments);
  loadDatabases("demo").then(showStarters).catch((error) => $("log").append(errorBox("Databases", error.message)));
  loadSpaces().catch((error) => $("log").append(errorBox("Knowledge", error.message)));
  checkModel();
  setMode("sql");
}

start();

document.getElementById("sign-out").addEventListener("click", async () => {
  try { await postJSON("/api/v1/auth/logout", {}); } finally { location.assign("/"); }
});
