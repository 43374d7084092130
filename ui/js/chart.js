// Draws the chart the server suggests (a Vega-Lite spec, assistant/sqlgen/chart.py)
// with vega-embed, from the copies in /ui/vendor: nothing comes from a CDN. The
// page's Content-Security-Policy has no 'unsafe-eval', so Vega's expressions are
// read by vega-interpreter (`ast: true`) instead of being compiled to functions.
// A single number is shown as a figure, in text; a chart gets tooltips, a switch
// between the marks its data allows, and PNG and SVG downloads.

import { h, loadScript, saveUrl } from "./dom.js";

const VENDOR = "/ui/vendor";
// Classic scripts, in order: each one reads the globals of those before it.
const SCRIPTS = ["vega-6.4.0.min.js", "vega-lite-6.5.0.min.js", "vega-embed-7.3.0.min.js"];
const HEIGHT = 260;
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const MARK_NAMES = { bar: "Bar", line: "Line", point: "Points" };

let loading = null;

// Vega and its helpers, loaded once, the first time a chart is drawn.
export function loadVega() {
  loading ||= (async () => {
    for (const name of SCRIPTS) if (!globalThis[scriptGlobal(name)]) await loadScript(`${VENDOR}/${name}`);
    const { expressionInterpreter } = await import(`${VENDOR}/vega-interpreter-2.3.2.js`);
    return { embed: globalThis.vegaEmbed, expressionInterpreter };
  })();
  loading.catch(() => { loading = null; }); // a failed load may be tried again
  return loading;
}

function scriptGlobal(name) {
  return { "vega-6": "vega", "vega-lite-6": "vegaLite", "vega-embed-7": "vegaEmbed" }[name.split(".")[0]];
}

function markType(spec) {
  return typeof spec.mark === "string" ? spec.mark : spec.mark && spec.mark.type;
}

// The marks a spec's data may be drawn with: bars over labels or dates, lines over
// an order (dates, periods, numbers), points for any two axes.
export function markChoices(spec) {
  const x = spec.encoding && spec.encoding.x;
  const y = spec.encoding && spec.encoding.y;
  if (!x || !y || y.type !== "quantitative") return [];
  const choices = [];
  if (x.type !== "quantitative") choices.push("bar");
  if (x.type !== "nominal") choices.push("line");
  choices.push("point");
  return choices;
}

// The spec as drawn: `mark` instead of the suggested one, tooltips on every mark,
// the page's colours (light or dark, as the system is), as wide as its card.
export function drawnSpec(spec, mark, colors = {}) {
  const encoding = { ...spec.encoding };
  const fields = ["x", "y"].map((c) => encoding[c]).filter(Boolean);
  encoding.tooltip = fields.map((f) => ({ field: f.field, type: f.type || "nominal",
    ...(f.type === "quantitative" ? { format: ",.2~f" } : {}) }));
  const type = mark || markType(spec);
  const markDef = { type, tooltip: true, ...(type === "line" ? { point: true } : {}) };
  const { text = "#1d1d1f", muted = "#6b6b76", line = "#dcdce2", accent = "#2357c6" } = colors;
  return {
    ...spec, mark: markDef, encoding, width: "container", height: HEIGHT, autosize: { type: "fit-x", contains: "padding" },
    background: null,
    config: {
      mark: { color: accent }, bar: { color: accent }, line: { color: accent }, point: { color: accent, filled: true },
      axis: { labelColor: muted, titleColor: text, gridColor: line, domainColor: line, tickColor: line,
              labelLimit: 160 },
      view: { stroke: null },
    },
  };
}

function pageColors() {
  const style = getComputedStyle(document.documentElement);
  const read = (name) => style.getPropertyValue(name).trim() || undefined;
  return { text: read("--text"), muted: read("--muted"), line: read("--line"), accent: read("--accent") };
}

function figure(spec) {
  const field = spec.encoding.text.field;
  const value = spec.data.values[0][field];
  return h("div", { class: "figure" }, typeof value === "number" ? number.format(value) : String(value),
    h("div", { class: "muted" }, field));
}

// Embeds `spec` into `view`; returns the Vega view (for the downloads).
export async function draw(view, spec, mark) {
  const { embed, expressionInterpreter } = await loadVega();
  const result = await embed(view, drawnSpec(spec, mark, pageColors()), {
    renderer: "svg", actions: false, ast: true, expr: expressionInterpreter, defaultStyle: false,
    tooltip: { disableDefaultStyle: true, theme: "custom" }, // its look is in style.css: no inline <style>
  });
  const svg = view.querySelector("svg");
  if (svg) {
    svg.setAttribute("role", "img");
    const [x, y] = ["x", "y"].map((c) => spec.encoding[c] && spec.encoding[c].field);
    svg.setAttribute("aria-label", `${MARK_NAMES[mark || markType(spec)] || "Chart"} chart of ${y} by ${x}`);
  }
  return result.view;
}

async function download(vegaView, format) {
  const url = await vegaView.toImageURL(format, format === "png" ? 2 : 1);
  saveUrl(url, `chart.${format}`);
}

// The chart of a result, or null when the spec is not one this page draws.
export function renderChart(spec) {
  if (!spec || !spec.data || !Array.isArray(spec.data.values) || !spec.data.values.length) return null;
  const type = markType(spec);
  if (type === "text" && spec.encoding && spec.encoding.text) return figure(spec);
  if (!["bar", "line", "point"].includes(type) || !spec.encoding || !spec.encoding.x || !spec.encoding.y) return null;

  const view = h("div", { class: "chart-view" });
  const status = h("span", { class: "muted chart-status", role: "status" });
  const holder = h("figure", { class: "chart", "data-mark": type }, view);
  let current = null;
  const show = async (mark) => {
    holder.dataset.mark = mark;
    try {
      if (current) current.finalize();
      view.replaceChildren();
      current = await draw(view, spec, mark);
      status.textContent = "";
      holder.dataset.drawn = mark;
    } catch (error) {
      status.textContent = `The chart could not be drawn: ${error.message}`;
      holder.dataset.failed = mark;
    }
  };

  const choices = markChoices(spec);
  const picker = choices.length > 1
    ? h("select", { class: "chart-type", "aria-label": "Chart type", onchange: (e) => show(e.target.value) },
      choices.map((c) => h("option", { value: c, selected: c === type }, MARK_NAMES[c])))
    : null;
  const button = (format) => h("button", { type: "button", class: "quiet small", title: `Download the chart as ${format.toUpperCase()}`,
    onclick: () => current && download(current, format) }, format.toUpperCase());
  holder.prepend(h("figcaption", { class: "actions chart-actions" }, picker, button("png"), button("svg"), status));
  show(type);
  return holder;
}
