// The chat page: one conversation at a time, each message routed by the server
// to a skill (data, diagnosis, documents, schema, a plain reply) whose answer
// streams in; the conversations are listed in the sidebar.

import { getJSON, postEvents, postJSON } from "./api.js";
import { conversationUrl, loadConversations, markCurrent, setupConversations } from "./conversations.js";
import { diagnoseView, storedDiagnosis } from "./diagnose_view.js";
import { addDocuments, problems, progressText } from "./documents.js";
import { errorBox, errorKind, h } from "./dom.js";
import { openExamples, setupExamples } from "./examples_view.js";
import { docsView, storedDocs } from "./qa_view.js";
import { sqlView, storedSql } from "./sql_view.js";
import { storedText, textView } from "./text_view.js";

// The most characters a message may have: MAX_QUESTION_CHARS in server/api/schemas.py, or,
// for SQL to diagnose, MAX_SQL_CHARS in server/api/diagnose.py (the server tells which it is).
const MAX_CHARS = 2000;
const MAX_SQL_CHARS = 100000;
// Each skill: its name on an answer, the view of its streamed events and of a kept turn.
const SKILLS = {
  sql: { label: "Data", live: (card, route, text, ctx) => sqlView(card, text, ctx), stored: storedSql },
  diagnose: { label: "Diagnosis", live: (card, route) => diagnoseView(card, route.sql || ""),
    stored: storedDiagnosis },
  docs: { label: "Documents", live: (card) => docsView(card), stored: storedDocs },
  schema: { label: "Schema", live: (card) => textView(card), stored: storedText },
  chat: { label: "Chat", live: (card) => textView(card), stored: storedText },
};
// What a wrongly routed answer may be asked again as, in one click.
const RERUN = ["sql", "diagnose", "docs"];
const count = new Intl.NumberFormat();

const $ = (id) => document.getElementById(id);
const state = { busy: null, conversationId: null, lastMessage: "" };

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

// The box takes no more than the server does, and says so near each limit: past a
// question's, only SQL to diagnose is taken (the server refuses anything else, saying why).
function checkLength() {
  const length = $("input").value.length;
  const over = length > MAX_SQL_CHARS;
  const sqlOnly = length > MAX_CHARS;
  $("length").textContent = over
    ? `Message too long: ${count.format(length)} characters; at most ${count.format(MAX_SQL_CHARS)}.`
    : sqlOnly ? `${count.format(length)} characters: past ${count.format(MAX_CHARS)}, only SQL to diagnose is taken `
      + `(up to ${count.format(MAX_SQL_CHARS)}).`
      : length >= MAX_CHARS * 0.9 ? `${count.format(length)} of ${count.format(MAX_CHARS)} characters` : "";
  $("length").classList.toggle("over", over || length === MAX_SQL_CHARS);
  return !over;
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
  $("input").value = question;
  $("composer").requestSubmit();
}

function setBusy(controller) {
  state.busy = controller;
  $("send").disabled = Boolean(controller);
  $("stop").hidden = !controller;
}

// The conversation in the address (#c=<id>), so a reload or a bookmark opens it again.
function setConversation(id) {
  state.conversationId = id;
  const hash = id ? `#c=${encodeURIComponent(id)}` : "";
  if (location.hash !== hash) history.replaceState(null, "", hash || location.pathname + location.search);
  markCurrent(id);
}

function youBubble(text, db) {
  return h("section", { class: "you" }, h("div", { class: "muted" }, `You · ${db}`), h("p", {}, text));
}

// Which skill answered and why, and a button per other skill to ask the same message again with it.
function routeHead(skill, text, reason) {
  const label = SKILLS[skill] ? SKILLS[skill].label : skill;
  return h("header", { class: "turn-head" },
    h("span", { class: "badge skill", "data-skill": skill, title: reason || null }, label),
    reason ? h("span", { class: "muted reason" }, reason) : null,
    h("span", { class: "rerun" }, RERUN.filter((other) => other !== skill).map((other) =>
      h("button", { type: "button", class: "quiet small", "data-skill": other,
        onclick: () => send(text, other) }, `Re-run as ${SKILLS[other].label.toLowerCase()}`))));
}

function newCard() {
  return h("article", { class: "turn" }, h("div", { class: "stages muted" }, "Choosing how to answer…"));
}

// Sends a message (with a skill: answered by that skill, not routed) and draws the answer as it streams.
async function send(text, skill = null) {
  if (state.busy) return;
  const ctx = { db: $("database").value || "demo", space: $("space").value };
  if ($("starters")) $("starters").remove();
  const card = newCard();
  $("log").append(youBubble(text, ctx.db), card);
  state.lastMessage = text;
  const controller = new AbortController();
  setBusy(controller);
  card.scrollIntoView({ behavior: "smooth", block: "end" });
  let view = null;
  const onEvent = (event, data) => {
    if (event === "route") {
      card.replaceChildren(routeHead(data.skill, text, data.reason));
      card.dataset.skill = data.skill;
      const live = SKILLS[data.skill] ? SKILLS[data.skill].live : SKILLS.chat.live;
      view = live(card, data, text, ctx);
    } else if (event === "conversation") {
      setConversation(data.conversation_id);
    } else if (event === "turn") {
      loadConversations();
    } else if (event === "done" && data.error && !data.timings) {
      // The skill ended without an answer of its own: its error is on the card already.
    } else if (view) {
      view(event, data);
    } else if (event === "error") {
      card.append(errorBox(errorKind(data), data.message, data.rule));
    }
  };
  try {
    await postEvents("/api/v1/chat", { message: text, conversation_id: state.conversationId, db: ctx.db,
      space: ctx.space || null, skill }, onEvent, controller.signal);
  } catch (error) {
    for (const progress of card.querySelectorAll(".stages")) progress.remove(); // the work it spoke of ended
    if (error.name === "AbortError") card.append(h("p", { class: "muted stopped" }, "Stopped."));
    else card.append(errorBox(error.status ? `HTTP ${error.status}` : "Network", error.message, error.body && error.body.rule));
    if (error.status === 503) checkModel();
  } finally {
    setBusy(null);
    card.scrollIntoView({ behavior: "smooth", block: "end" });
  }
}

async function submit(event) {
  event.preventDefault();
  const text = $("input").value.trim();
  if (!text || state.busy || !checkLength()) return;
  $("input").value = "";
  checkLength();
  await send(text);
}

// A kept conversation, drawn again from what its turns kept.
async function openConversation(id) {
  if (state.busy) state.busy.abort();
  let conversation;
  try {
    conversation = await getJSON(conversationUrl(id));
  } catch (error) {
    setConversation(null);
    $("log").replaceChildren(errorBox("Conversation", error.message));
    return;
  }
  setConversation(conversation.id);
  $("log").replaceChildren();
  for (const turn of conversation.turns) {
    const ctx = { db: turn.db || "demo", space: $("space").value };
    const card = h("article", { class: "turn", "data-skill": turn.skill }, routeHead(turn.skill, turn.message, null));
    const skill = SKILLS[turn.skill] || SKILLS.chat;
    if (turn.skill !== "sql" || turn.sql) skill.stored(card, turn, ctx); // a data answer that failed has no SQL
    if (turn.error) card.append(errorBox(errorKind(turn.error), turn.error.message, turn.error.rule));
    $("log").append(youBubble(turn.message, ctx.db), card);
    state.lastMessage = turn.message;
  }
  // Going on where it ended: the database its last answer asked.
  const last = conversation.turns[conversation.turns.length - 1];
  if (last && last.db && [...$("database").options].some((o) => o.value === last.db)) $("database").value = last.db;
  closeSidebarWhenNarrow();
}

function newConversation() {
  if (state.busy) state.busy.abort();
  setConversation(null);
  state.lastMessage = "";
  $("log").replaceChildren();
  showStarters();
  $("input").focus();
}

const narrow = matchMedia("(max-width: 760px)");

function toggleSidebar(open = $("sidebar").hidden) {
  $("sidebar").hidden = !open;
  $("toggle-sidebar").setAttribute("aria-expanded", String(open));
}

function closeSidebarWhenNarrow() {
  if (narrow.matches) toggleSidebar(false);
}

function conversationFromHash() {
  const match = /^#c=(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
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
  $("composer").addEventListener("submit", submit);
  $("input").addEventListener("input", checkLength);
  $("input").maxLength = MAX_SQL_CHARS;
  $("database").addEventListener("change", showStarters);
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    } else if (event.key === "ArrowUp" && !$("input").value && state.lastMessage && !state.busy) {
      event.preventDefault(); // the last message back in the box, to change and send again
      $("input").value = state.lastMessage;
      $("input").setSelectionRange(state.lastMessage.length, state.lastMessage.length);
      checkLength();
    }
  });
  $("stop").addEventListener("click", () => state.busy && state.busy.abort());
  $("new-conversation").addEventListener("click", newConversation);
  $("toggle-sidebar").addEventListener("click", () => toggleSidebar());
  toggleSidebar(!narrow.matches);
  narrow.addEventListener("change", () => toggleSidebar(!narrow.matches));
  setupConversations(openConversation, newConversation);
  $("add-database").addEventListener("click", openDatabaseDialog);
  $("database-cancel").addEventListener("click", () => $("database-dialog").close());
  $("database-form").addEventListener("submit", saveDatabase);
  $("examples").addEventListener("click", () => openExamples($("database").value || "demo"));
  setupExamples();
  $("add-documents").addEventListener("click", openDocumentsDialog);
  $("documents-cancel").addEventListener("click", () => $("documents-dialog").close());
  $("documents-form").addEventListener("submit", uploadDocuments);
  const kept = conversationFromHash();
  loadDatabases("demo").then(() => (kept ? openConversation(kept) : showStarters()))
    .catch((error) => $("log").append(errorBox("Databases", error.message)));
  loadSpaces().catch((error) => $("log").append(errorBox("Knowledge", error.message)));
  loadConversations();
  checkModel();
  checkLength();
  $("input").focus();
}

start();

document.getElementById("sign-out").addEventListener("click", async () => {
  try { await postJSON("/api/v1/auth/logout", {}); } finally { location.assign("/"); }
});
