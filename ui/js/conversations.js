// The conversation sidebar: the user's conversations, most recent first, found
// by words in their title, renamed and deleted (after a confirmation).

import { deleteJSON, getJSON, sendJSON } from "./api.js";
import { h } from "./dom.js";

const CONVERSATIONS = "/api/v1/conversations";
const SEARCH_DELAY_MS = 200;
const $ = (id) => document.getElementById(id);
const shown = { asked: 0, timer: null, current: null, onOpen: null, onGone: null };

export const conversationUrl = (id) => `${CONVERSATIONS}/${encodeURIComponent(id)}`;

function item(conversation) {
  const current = conversation.id === shown.current;
  return h("li", { class: current ? "current" : null, "data-id": conversation.id },
    h("button", { type: "button", class: "open", "aria-current": current ? "page" : null, title: conversation.title,
      onclick: () => shown.onOpen(conversation.id) }, conversation.title),
    h("button", { type: "button", class: "quiet small rename", "aria-label": `Rename "${conversation.title}"`,
      title: "Rename", onclick: () => rename(conversation) }, "\u270E"),
    h("button", { type: "button", class: "quiet small delete", "aria-label": `Delete "${conversation.title}"`,
      title: "Delete", onclick: () => remove(conversation) }, "\u2715"));
}

// The list for the search box's text; an answer to an earlier search that arrives late is dropped.
export async function loadConversations() {
  const q = $("conversation-search").value.trim();
  const asked = ++shown.asked;
  let conversations;
  try {
    conversations = await getJSON(q ? `${CONVERSATIONS}?${new URLSearchParams({ q })}` : CONVERSATIONS);
  } catch (error) {
    if (asked === shown.asked) $("conversations-status").textContent = `Conversations: ${error.message}`;
    return;
  }
  if (asked !== shown.asked) return;
  $("conversation-list").replaceChildren(...conversations.map(item));
  $("conversations-status").textContent = conversations.length ? ""
    : q ? `No conversation is titled with "${q}".` : "No conversations yet.";
}

async function rename(conversation) {
  const title = prompt("New title", conversation.title);
  if (title === null || !title.trim() || title.trim() === conversation.title) return;
  try {
    await sendJSON("PATCH", conversationUrl(conversation.id), { title: title.trim() });
  } catch (error) {
    $("conversations-status").textContent = `Not renamed: ${error.message}`;
    return;
  }
  await loadConversations();
}

async function remove(conversation) {
  if (!confirm(`Delete the conversation "${conversation.title}"? Its questions and answers are deleted too.`)) return;
  try {
    await deleteJSON(conversationUrl(conversation.id));
  } catch (error) {
    $("conversations-status").textContent = `Not deleted: ${error.message}`;
    return;
  }
  if (conversation.id === shown.current) shown.onGone();
  await loadConversations();
}

// Marks `id` as the one shown (null: a new conversation).
export function markCurrent(id) {
  shown.current = id;
  for (const li of $("conversation-list").children) {
    const current = li.dataset.id === id;
    li.classList.toggle("current", current);
    li.querySelector(".open").toggleAttribute("aria-current", current);
    if (current) li.querySelector(".open").setAttribute("aria-current", "page");
  }
}

export function setupConversations(onOpen, onGone) {
  Object.assign(shown, { onOpen, onGone });
  $("conversation-search").addEventListener("input", () => {
    clearTimeout(shown.timer);
    shown.timer = setTimeout(loadConversations, SEARCH_DELAY_MS);
  });
}
