// A diagnosis of SQL: errors against the real schema, anti-patterns, the plan, and
// index or rewrite advice marked verified only when the database confirmed it.
// The server streams each finding as a check finds it (again, under the same
// number, when a later check confirms or softens it), advice once the database
// has tried it, then the summary, which may wait on the model; `done` carries
// the whole report in reading order.

import { copyButton, errorBox, errorKind, h, seconds } from "./dom.js";

function finding(f) {
  const where = f.location ? ` (line ${f.location.line}, column ${f.location.column})` : "";
  return h("li", { class: `finding ${f.severity}` },
    h("div", {},
      h("span", { class: `badge ${f.severity}` }, f.severity),
      h("span", { class: "kind" }, f.kind.replace(/_/g, " ")),
      f.verified ? h("span", { class: "badge verified", title: f.verification }, "verified") : null,
      h("span", { class: "muted" }, where)),
    h("p", {}, f.message),
    f.suggestion ? h("p", { class: "suggestion" }, f.suggestion) : null,
    f.sql ? h("div", { class: "sql-block" }, h("pre", { class: "sql" }, f.sql), copyButton(f.sql)) : null,
    f.verification && !f.verified ? h("p", { class: "muted" }, f.verification) : null);
}

function summaryText(text, source) {
  return h("p", { class: "summary-text" }, text,
    h("span", { class: "muted" }, source === "model" ? " (written by the model from the findings)" : ""));
}

const isAdvice = (f) => f.kind === "index_suggestion" || f.kind === "rewrite_suggestion";

// The parts of a diagnosis under its statement, in reading order.
function reportParts() {
  return { problems: h("ul", { class: "findings" }), advice: h("ul", { class: "findings advice" }),
    summary: h("div", { class: "summary-holder" }), footer: h("div") };
}

// The whole report (a diagnosis's `done`, or what its turn kept of it) drawn into its parts:
// every finding as it finally stands, in reading order, the summary and what was tried.
function drawReport(parts, report) {
  const findings = report.findings || [];
  parts.problems.replaceChildren(...findings.filter((f) => !isAdvice(f)).map(finding));
  parts.advice.replaceChildren(...findings.filter(isAdvice).map(finding));
  if (!findings.length) parts.problems.replaceWith(h("p", {}, "No findings."));
  parts.summary.replaceChildren(summaryText(report.summary, report.summary_source));
  // "total" already holds every check; the model's time comes on top.
  const timings = report.timings || {};
  const total = (timings.total || 0) + (timings.model || 0);
  parts.footer.replaceChildren(...[
    (report.notes || []).length ? h("ul", { class: "notes muted" }, report.notes.map((n) => h("li", {}, n))) : null,
    h("div", { class: "muted summary" }, `${report.dialect} · ${report.statement || "statement"} · ${seconds(total)}`),
  ].filter(Boolean));
}

// The events of a diagnosis (as /sql/diagnose/stream sends them, relayed by /chat).
export function diagnoseView(card, sql) {
  const checking = h("div", { class: "stages muted" }, "Checking against the schema and the plan…");
  const parts = reportParts();
  const { problems, advice, summary } = parts;
  summary.append(h("p", { class: "summary-pending muted" }, "Summarising…"));
  card.append(h("pre", { class: "sql diagnosed" }, sql), checking, problems, advice, summary, parts.footer);
  const shown = new Map(); // a finding's number -> its element, so a later event replaces it

  const show = (list, data) => {
    checking.remove();
    const element = finding(data);
    const earlier = shown.get(data.n);
    if (earlier) earlier.replaceWith(element);
    else list.append(element);
    shown.set(data.n, element);
  };

  return (event, data) => {
    if (event === "finding") {
      show(problems, data);
    } else if (event === "advice") {
      show(advice, data);
    } else if (event === "withdrawn") {
      const element = shown.get(data.n);
      if (element) element.remove();
      shown.delete(data.n);
    } else if (event === "summary") {
      summary.replaceChildren(summaryText(data.summary, data.summary_source));
    } else if (event === "error") {
      checking.remove();
      summary.replaceChildren(errorBox(errorKind(data), data.message));
    } else if (event === "done") {
      checking.remove(); // the report is the authority
      drawReport(parts, data);
    }
  };
}

// A diagnosis as its conversation kept it, drawn as the live answer was: the statement,
// the findings and advice, the summary and what was tried (a turn kept before turns had
// details: the statement and the summary).
export function storedDiagnosis(card, turn) {
  if (turn.sql) card.append(h("pre", { class: "sql diagnosed" }, turn.sql));
  if (!turn.details) {
    if (turn.answer) card.append(summaryText(turn.answer, null));
    return;
  }
  const parts = reportParts();
  card.append(parts.problems, parts.advice, parts.summary, parts.footer);
  drawReport(parts, { ...turn.details, summary: turn.answer || "", timings: turn.timings });
}
