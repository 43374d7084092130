// "Ask the documents": the answer streams in as it is written, then its
// citations; the final `done` text is authoritative (an answer its sources do
// not support is replaced there).

import { postEvents } from "./api.js";
import { errorBox, h } from "./dom.js";

function citation(c) {
  const where = [c.document, c.location].filter(Boolean).join(" · ");
  return h("li", { value: c.n }, h("strong", {}, c.title || c.document), h("span", { class: "muted" }, ` ${c.kind}`),
    where ? h("div", { class: "muted" }, where) : null);
}

export async function askDocuments(card, question, ctx, signal) {
  const text = h("div", { class: "answer" });
  const sources = h("ol", { class: "citations" });
  card.append(text, sources);
  let shown = 0;
  await postEvents("/api/v1/qa/stream", { question, space: ctx.space || null, db: ctx.db }, (event, data) => {
    if (event === "token") {
      text.textContent += data.text;
    } else if (event === "citation") {
      sources.append(citation(data));
      shown += 1;
    } else if (event === "error") {
      card.append(errorBox(data.kind, data.message));
    } else if (event === "done") {
      text.textContent = data.answer;
      text.classList.toggle("unanswerable", !data.answerable);
      if (!shown) for (const c of data.citations || []) sources.append(citation(c));
    }
  }, signal);
}
