// A result table, with a CSV download of the rows shown.

import { h } from "./dom.js";

// A sum of prices comes back as 120840.38000000111: binary floating point, not
// data. Twelve significant digits drop that noise and keep every real digit a
// money or measurement column has, in the table and in the CSV alike (the
// cell's tooltip keeps the value as the database sent it).
export function shownNumber(value) {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

function cell(value) {
  if (value === null || value === undefined) return h("td", { class: "null" }, "NULL");
  if (typeof value === "number") return h("td", { class: "num", title: String(value) }, shownNumber(value));
  return h("td", {}, typeof value === "object" ? JSON.stringify(value) : String(value));
}

// A spreadsheet reads a cell that starts with =, +, -, @, a tab or a CR as a
// formula, so a hostile value in a database could run in the reader's
// spreadsheet. Such text gets a leading single quote (OWASP's advice for CSV
// injection). A number stays a number: a JSON number, or text that is only a
// numeral ("-12.5", a decimal too large for a float), holds no formula.
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMERAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function csvCell(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return shownNumber(value);
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(text) && !NUMERAL.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(columns, rows) {
  return [columns, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

function download(columns, rows) {
  const url = URL.createObjectURL(new Blob([toCsv(columns, rows)], { type: "text/csv" }));
  const link = h("a", { href: url, download: "result.csv" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function renderTable(columns, rows, truncated) {
  const count = `${rows.length} row${rows.length === 1 ? "" : "s"}${truncated ? " (more rows were cut off)" : ""}`;
  return h("div", { class: "result" },
    h("div", { class: "result-head" },
      h("span", { class: "muted row-count" }, count),
      rows.length ? h("button", { type: "button", class: "quiet small", onclick: () => download(columns, rows) }, "CSV") : null),
    h("div", { class: "table-wrap" },
      h("table", {},
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows.map((r) => h("tr", {}, r.map(cell)))))));
}
