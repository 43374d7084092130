// Answers in words: the catalog's (which tables and columns there are, how they
// join: `schema` then `done`) and a plain reply of the model (`token`s, then `done`).

import { errorBox, errorKind, h } from "./dom.js";

export function textView(card) {
  const text = h("div", { class: "answer" });
  card.append(text);
  return (event, data) => {
    if (event === "token") text.textContent += data.text;
    else if (event === "error") card.append(errorBox(errorKind(data), data.message));
    else if (event === "done" && typeof data.answer === "string") text.textContent = data.answer;
  };
}

export function storedText(card, turn) {
  card.append(h("div", { class: "answer" }, turn.answer || ""));
}
