// Building elements from data without innerHTML: every value is text, so
// nothing in a row, an answer or an error can run as markup.

export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function errorBox(kind, message, rule) {
  return h("div", { class: "error", role: "alert" },
    h("strong", {}, kind ? `${kind}: ` : "Error: "), message, rule ? h("span", { class: "muted" }, ` (rule: ${rule})`) : null);
}

// What went wrong, in a word: the HTTP status of a refused request, else the error's kind.
export function errorKind(data) {
  return data.status ? `HTTP ${data.status}` : data.kind;
}

export function copyButton(text) {
  const button = h("button", { type: "button", class: "quiet small" }, "Copy");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(typeof text === "function" ? text() : text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed";
    }
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  });
  return button;
}

export function seconds(value) {
  return `${Number(value).toFixed(value < 10 ? 1 : 0)} s`;
}

// How long an answer took. The server's "total" is the whole wall-clock time
// and its stages are parts of it, so the total is shown once, the stages in its
// tooltip; without a total, the stages add up to it.
export function elapsed(timings) {
  const stages = Object.entries(timings || {}).filter(([name]) => name !== "total");
  const total = timings && timings.total !== undefined ? timings.total : stages.reduce((sum, [, s]) => sum + s, 0);
  if (!total) return null;
  return h("span", { class: "elapsed", title: stages.map(([name, s]) => `${name} ${seconds(s)}`).join(" · ") },
    seconds(total));
}

// A script of our own (a vendored library), added once and awaited.
export function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = h("script", { src, onload: resolve, onerror: () => reject(new Error(`could not load ${src}`)) });
    document.head.append(script);
  });
}

// Saves what `url` holds (a blob: or data: URL) as a file named `name`.
export function saveUrl(url, name) {
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  if (url.startsWith("blob:")) setTimeout(() => URL.revokeObjectURL(url), 1000);
}
