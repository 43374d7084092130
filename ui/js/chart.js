// Draws the chart the server suggests (a small Vega-Lite spec: a figure, a bar,
// a line over dates or period numbers, or a scatter chart) as plain SVG, so the page needs no chart library
// from a CDN. A spec it does not know returns null and the table stays alone.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { top: 16, right: 16, bottom: 100, left: 72 };
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// Round tick values (1, 2 or 5 times a power of ten) covering [low, high].
export function niceTicks(low, high, count = 5) {
  if (low === high) {
    const pad = Math.abs(low) || 1;
    low -= pad;
    high += pad;
  }
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.floor(low / step) * step; t <= high + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  if (ticks[ticks.length - 1] < high) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function linear(domain, range) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  return (v) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0));
}

function frame(title) {
  const svg = el("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img" });
  svg.append(el("title", {}, title));
  return svg;
}

function yAxis(svg, ticks, y, label) {
  for (const t of ticks) {
    svg.append(el("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(t), y2: y(t), class: "grid" }));
    svg.append(el("text", { x: MARGIN.left - 6, y: y(t) + 4, "text-anchor": "end", class: "tick" }, number.format(t)));
  }
  svg.append(el("text", { x: 12, y: HEIGHT / 2, transform: `rotate(-90 12 ${HEIGHT / 2})`,
    "text-anchor": "middle", class: "axis-label" }, label));
}

function xLabel(svg, x, text, rotate) {
  const yPos = HEIGHT - MARGIN.bottom + 14;
  const attributes = rotate
    ? { x, y: yPos, transform: `rotate(-35 ${x} ${yPos})`, "text-anchor": "end", class: "tick" }
    : { x, y: yPos, "text-anchor": "middle", class: "tick" };
  svg.append(el("text", attributes, text.length > 16 ? `${text.slice(0, 15)}…` : text));
}

function xTitle(svg, label) {
  svg.append(el("text", { x: (MARGIN.left + WIDTH - MARGIN.right) / 2, y: HEIGHT - 4,
    "text-anchor": "middle", class: "axis-label" }, label));
}

function yScale(values) {
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const y = linear([ticks[0], ticks[ticks.length - 1]], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  return { ticks, y };
}

function figure(spec, rows) {
  const field = spec.encoding.text.field;
  const value = rows[0][field];
  const div = document.createElement("div");
  div.className = "figure";
  div.textContent = typeof value === "number" ? number.format(value) : String(value);
  const caption = document.createElement("div");
  caption.className = "muted";
  caption.textContent = field;
  div.append(caption);
  return div;
}

function bars(spec, rows) {
  const xf = spec.encoding.x.field;
  const yf = spec.encoding.y.field;
  const data = rows.filter((r) => typeof r[yf] === "number");
  if (spec.encoding.x.sort === "-y") data.sort((a, b) => b[yf] - a[yf]);
  const svg = frame(`${yf} by ${xf}`);
  const { ticks, y } = yScale(data.map((r) => r[yf]));
  yAxis(svg, ticks, y, yf);
  const band = (WIDTH - MARGIN.left - MARGIN.right) / Math.max(data.length, 1);
  const rotate = data.length > 8;
  data.forEach((r, i) => {
    const x = MARGIN.left + i * band;
    const top = Math.min(y(r[yf]), y(0));
    const bar = el("rect", { x: x + band * 0.1, y: top, width: band * 0.8,
      height: Math.abs(y(r[yf]) - y(0)), class: "mark" });
    bar.append(el("title", {}, `${r[xf]}: ${number.format(r[yf])}`));
    svg.append(bar);
    xLabel(svg, x + band / 2, String(r[xf]), rotate);
  });
  xTitle(svg, xf);
  return svg;
}

function line(spec, rows) {
  const xf = spec.encoding.x.field;
  const yf = spec.encoding.y.field;
  // A period number (year 2023, month 7) is placed by its value; a date by its time.
  const position = spec.encoding.x.type === "temporal"
    ? (value) => Date.parse(String(value).replace(" ", "T"))
    : (value) => (typeof value === "number" ? value : Number.NaN);
  const data = rows
    .map((r) => ({ label: String(r[xf]), t: position(r[xf]), v: r[yf] }))
    .filter((p) => !Number.isNaN(p.t) && typeof p.v === "number")
    .sort((a, b) => a.t - b.t);
  if (!data.length) return null;
  const svg = frame(`${yf} over ${xf}`);
  const { ticks, y } = yScale(data.map((p) => p.v));
  yAxis(svg, ticks, y, yf);
  const x = linear([data[0].t, data[data.length - 1].t], [MARGIN.left + 8, WIDTH - MARGIN.right - 8]);
  svg.append(el("polyline", { points: data.map((p) => `${x(p.t)},${y(p.v)}`).join(" "), class: "line" }));
  const every = Math.ceil(data.length / 8);
  data.forEach((p, i) => {
    const dot = el("circle", { cx: x(p.t), cy: y(p.v), r: 3, class: "mark" });
    dot.append(el("title", {}, `${p.label}: ${number.format(p.v)}`));
    svg.append(dot);
    if (i % every === 0) xLabel(svg, x(p.t), p.label, true);
  });
  xTitle(svg, xf);
  return svg;
}

function scatter(spec, rows) {
  const xf = spec.encoding.x.field;
  const yf = spec.encoding.y.field;
  const data = rows.filter((r) => typeof r[xf] === "number" && typeof r[yf] === "number");
  if (!data.length) return null;
  const svg = frame(`${yf} against ${xf}`);
  const { ticks, y } = yScale(data.map((r) => r[yf]));
  yAxis(svg, ticks, y, yf);
  const xt = niceTicks(Math.min(...data.map((r) => r[xf])), Math.max(...data.map((r) => r[xf])));
  const x = linear([xt[0], xt[xt.length - 1]], [MARGIN.left, WIDTH - MARGIN.right]);
  for (const t of xt) xLabel(svg, x(t), number.format(t), false);
  for (const r of data) {
    const dot = el("circle", { cx: x(r[xf]), cy: y(r[yf]), r: 3.5, class: "mark" });
    dot.append(el("title", {}, `${number.format(r[xf])}, ${number.format(r[yf])}`));
    svg.append(dot);
  }
  xTitle(svg, xf);
  return svg;
}

export function renderChart(spec) {
  const rows = spec && spec.data && spec.data.values;
  if (!rows || !rows.length || !spec.encoding) return null;
  const mark = typeof spec.mark === "string" ? spec.mark : spec.mark && spec.mark.type;
  if (mark === "text" && spec.encoding.text) return figure(spec, rows);
  if (!spec.encoding.x || !spec.encoding.y) return null;
  if (mark === "bar") return bars(spec, rows);
  if (mark === "line") return line(spec, rows);
  if (mark === "point") return scatter(spec, rows);
  return null;
}
