// "Diagnose SQL": errors against the real schema, anti-patterns, the plan, and
// index or rewrite advice marked verified only when the database confirmed it.

import { postJSON } from "./api.js";
import { copyButton, h, seconds } from "./dom.js";

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

export async function diagnoseSql(card, sql, ctx, signal) {
  const waiting = h("div", { class: "stages muted" }, "Checking against the schema and the plan…");
  card.append(waiting);
  const report = await postJSON("/api/v1/sql/diagnose", { sql, db: ctx.db }, signal);
  const order = { error: 0, warning: 1, info: 2 };
  const findings = [...report.findings].sort((a, b) => order[a.severity] - order[b.severity]);
  const total = Object.values(report.timings || {}).reduce((a, b) => a + b, 0);
  waiting.replaceWith(
    h("p", { class: "summary-text" }, report.summary,
      h("span", { class: "muted" }, report.summary_source === "model" ? " (written by the model from the findings)" : "")),
    findings.length ? h("ul", { class: "findings" }, findings.map(finding)) : h("p", {}, "No findings."),
    report.notes.length ? h("ul", { class: "notes muted" }, report.notes.map((n) => h("li", {}, n))) : null,
    h("div", { class: "muted summary" }, `${report.dialect} · ${report.statement || "statement"} · ${seconds(total)}`));
}
