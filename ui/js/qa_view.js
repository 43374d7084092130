// A documents answer: the answer streams in as it is written, then its
// citations; the final `done` text is authoritative (an answer its sources do
// not support is replaced there), with the source's sentence it rests on. A
// refused answer says so, says why, and
// lists the closest sources with the start of their text, so the reader can
// look for the answer themselves.

import { errorBox, errorKind, h } from "./dom.js";

const CLOSEST = 3; // sources listed under a refusal

function citation(c) {
  const where = [c.document, c.location].filter(Boolean).join(" · ");
  return h("li", { value: c.n }, h("strong", {}, c.title || c.document), h("span", { class: "muted" }, ` ${c.kind}`),
    where ? h("div", { class: "muted" }, where) : null);
}

function closestSource(c) {
  const item = citation(c);
  if (c.excerpt) item.append(h("blockquote", { class: "excerpt" }, c.excerpt));
  return item;
}

function refusal(data) {
  const reason = data.rejected ? data.rejected.charAt(0).toUpperCase() + data.rejected.slice(1) + "." : null;
  const closest = (data.sources || []).slice(0, CLOSEST);
  return h("div", { class: "refusal" },
    reason ? h("p", { class: "reason" }, h("span", { class: "muted" }, "Why: "), reason) : null,
    closest.length ? h("p", { class: "muted" }, "The closest sources, to read for yourself:") : null,
    closest.length ? h("ol", { class: "closest" }, closest.map(closestSource)) : null);
}

// The events of a documents question (as /qa/stream sends them, relayed by /chat).
export function docsView(card) {
  const text = h("div", { class: "answer" });
  const sources = h("ol", { class: "citations" });
  card.append(text, sources);
  let shown = 0;
  return (event, data) => {
    if (event === "token") {
      text.textContent += data.text;
    } else if (event === "citation") {
      sources.append(citation(data));
      shown += 1;
    } else if (event === "error") {
      card.append(errorBox(errorKind(data), data.message));
    } else if (event === "done") {
      text.classList.toggle("unanswerable", !data.answerable);
      if (!data.answerable) {
        text.textContent = "Not found in the documents";
        sources.replaceChildren();
        sources.after(refusal(data));
        return;
      }
      text.textContent = data.answer;
      if (data.replaced) {
        text.after(h("p", { class: "muted replaced" }, "The source's own words, as the model's did not hold up: ",
          data.replaced, "."));
      } else if (data.evidence) {
        text.after(h("blockquote", { class: "evidence" }, `\u201c${data.evidence.text}\u201d `,
          h("span", { class: "muted" }, `[${data.evidence.n}]`)));
      }
      if (!shown) for (const c of data.citations || []) sources.append(citation(c));
    }
  };
}

// A documents answer as its conversation kept it.
export function storedDocs(card, turn) {
  card.append(h("div", { class: "answer" }, turn.answer || ""),
    h("ol", { class: "citations" }, (turn.citations || []).map(citation)));
}
