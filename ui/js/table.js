// A result table: sorted by a column, in pages, downloaded as CSV or XLSX.

import { h, loadScript, saveUrl } from "./dom.js";

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

export const PAGE_ROWS = 25;
const XLSX_SCRIPT = "/ui/vendor/xlsx-0.18.5.mini.min.js";

function downloadCsv(columns, rows) {
  saveUrl(URL.createObjectURL(new Blob([toCsv(columns, rows)], { type: "text/csv" })), "result.csv");
}

// A workbook of one sheet, written in the browser by SheetJS (vendored). Every
// text is a text cell, never a formula; numbers are numbers, as the table shows them.
export function xlsxCell(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number(shownNumber(value));
  return typeof value === "object" ? JSON.stringify(value) : value;
}

async function downloadXlsx(columns, rows) {
  if (!globalThis.XLSX) await loadScript(XLSX_SCRIPT);
  const XLSX = globalThis.XLSX;
  const { utils } = XLSX;
  const book = utils.book_new();
  utils.book_append_sheet(book, utils.aoa_to_sheet([columns, ...rows.map((r) => r.map(xlsxCell))]), "Result");
  const bytes = XLSX.write(book, { type: "array", bookType: "xlsx", compression: true });
  const type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  saveUrl(URL.createObjectURL(new Blob([bytes], { type })), "result.xlsx");
}

// Numbers as numbers, the rest as text in the reader's locale ("item 2" before "item 10").
function compareValues(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

// A stable sort; nulls last whichever way.
export function sortRows(rows, index, direction) {
  const sign = direction === "descending" ? -1 : 1;
  return rows.map((row, i) => [row, i])
    .sort(([a, i], [b, j]) => {
      const aNull = a[index] === null || a[index] === undefined;
      const bNull = b[index] === null || b[index] === undefined;
      if (aNull || bNull) return (aNull - bNull) || i - j; // nulls last, both ways
      return sign * compareValues(a[index], b[index]) || i - j;
    })
    .map(([row]) => row);
}

// A result: sorted by a click on a column's header (again: the other way),
// PAGE_ROWS rows a page, and downloaded whole (in the order shown) as CSV or XLSX.
export function renderTable(columns, rows, truncated) {
  const view = { index: null, direction: "ascending", page: 0, rows };
  const pages = () => Math.max(1, Math.ceil(rows.length / PAGE_ROWS));
  const headers = columns.map((name, index) => {
    const th = h("th", { scope: "col", "aria-sort": "none" },
      h("button", { type: "button", class: "sort", title: `Sort by ${name}`, onclick: () => sortBy(index) }, name));
    return th;
  });
  const body = h("tbody");
  const where = h("span", { class: "muted page-of", "aria-live": "polite" });
  const previous = h("button", { type: "button", class: "quiet small", onclick: () => turn(-1) }, "Previous");
  const next = h("button", { type: "button", class: "quiet small", onclick: () => turn(1) }, "Next");
  const pager = h("div", { class: "pager", hidden: rows.length <= PAGE_ROWS }, previous, where, next);

  function show() {
    const start = view.page * PAGE_ROWS;
    body.replaceChildren(...view.rows.slice(start, start + PAGE_ROWS).map((r) => h("tr", {}, r.map(cell))));
    where.textContent = `Page ${view.page + 1} of ${pages()}`;
    previous.disabled = view.page === 0;
    next.disabled = view.page >= pages() - 1;
    headers.forEach((th, i) => th.setAttribute("aria-sort", i === view.index ? view.direction : "none"));
  }
  function sortBy(index) {
    view.direction = view.index === index && view.direction === "ascending" ? "descending" : "ascending";
    view.index = index;
    view.rows = sortRows(rows, index, view.direction);
    view.page = 0;
    show();
  }
  function turn(step) {
    view.page = Math.min(pages() - 1, Math.max(0, view.page + step));
    show();
  }
  show();

  const count = `${rows.length} row${rows.length === 1 ? "" : "s"}${truncated ? " (more rows were cut off)" : ""}`;
  const downloads = rows.length ? [
    h("button", { type: "button", class: "quiet small", title: "Download the rows as CSV",
      onclick: () => downloadCsv(columns, view.rows) }, "CSV"),
    h("button", { type: "button", class: "quiet small", title: "Download the rows as an Excel workbook",
      onclick: () => downloadXlsx(columns, view.rows) }, "XLSX"),
  ] : [];
  return h("div", { class: "result" },
    h("div", { class: "result-head" }, h("span", { class: "muted row-count" }, count),
      h("span", { class: "actions" }, ...downloads)),
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Result rows" },
      h("table", {}, h("thead", {}, h("tr", {}, headers)), body)),
    pager);
}
