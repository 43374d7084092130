// A data answer: the question becomes SQL on the server, which streams the
// stages as they end, then the SQL, the rows, a chart and the whole answer.

import { postJSON } from "./api.js";
import { renderChart } from "./chart.js";
import { copyButton, elapsed, errorBox, errorKind, h, seconds } from "./dom.js";
import { renderTable } from "./table.js";

function feedbackButtons(ctx, question, currentSql) {
  const note = h("span", { class: "muted" });
  const send = async (correct, button) => {
    button.disabled = true;
    try {
      const answer = await postJSON("/api/v1/knowledge/feedback",
        { db: ctx.db, question, sql: currentSql(), correct });
      note.textContent = answer.stored ? "Saved as a verified example for similar questions." : "Thanks: not saved.";
    } catch (error) {
      note.textContent = `Not saved: ${error.message}`;
      button.disabled = false;
    }
  };
  const good = h("button", { type: "button", class: "quiet small", title: "This SQL answers the question" }, "Correct");
  const bad = h("button", { type: "button", class: "quiet small", title: "This SQL does not answer the question" }, "Wrong");
  good.addEventListener("click", () => send(true, good));
  bad.addEventListener("click", () => send(false, bad));
  return h("span", { class: "feedback" }, good, bad, note);
}

// The chart of a result, or nothing when its shape is not a chart.
function showChart(holder, spec) {
  const drawn = spec ? renderChart(spec) : null;
  holder.replaceChildren(...(drawn ? [drawn] : []));
}

// The SQL stays editable: a user can fix it and run it again, read-only. The
// new rows replace the old ones and their chart; a refusal or an error shows
// under the editor, where the user is looking.
function sqlBlock(sql, explanation, warnings, ctx, question, chart, results) {
  const editor = h("textarea", { class: "sql", spellcheck: false, rows: Math.min(12, sql.split("\n").length + 1),
    "aria-label": "Generated SQL" });
  editor.value = sql;
  const runError = h("div", { class: "run-error" });
  const run = h("button", { type: "button", class: "small run" }, "Run");
  run.addEventListener("click", async () => {
    run.disabled = true;
    runError.replaceChildren();
    try {
      const result = await postJSON("/api/v1/sql/run", { db: ctx.db, sql: editor.value });
      showChart(chart, result.chart);
      results.replaceChildren(renderTable(result.columns, result.rows, result.truncated));
    } catch (error) {
      const body = error.body || {}; // a network failure has none
      showChart(chart, null);
      results.replaceChildren();
      runError.append(errorBox(body.kind || (error.status ? `HTTP ${error.status}` : "Network"), error.message, body.rule));
      runError.scrollIntoView({ behavior: "smooth", block: "nearest" });
    } finally {
      run.disabled = false;
    }
  });
  return h("div", { class: "sql-block" },
    editor,
    h("div", { class: "actions" }, run, copyButton(() => editor.value), feedbackButtons(ctx, question, () => editor.value)),
    runError,
    explanation ? h("p", { class: "explanation" }, explanation) : null,
    (warnings || []).length
      ? h("div", { class: "warnings", role: "note" }, h("strong", {}, "Check before trusting these rows"),
        h("ul", {}, ...warnings.map((text) => h("li", {}, text))))
      : null);
}

function summary(answer) {
  const parts = [];
  const time = elapsed(answer.timings);
  if (time) parts.push(time);
  if (answer.tables && answer.tables.length) parts.push(`tables: ${answer.tables.join(", ")}`);
  if (answer.repairs) parts.push(`${answer.repairs} repair${answer.repairs === 1 ? "" : "s"}`);
  if (answer.confidence !== null && answer.confidence !== undefined) {
    const advice = answer.confidence_advice;
    parts.push(`confidence ${Math.round(answer.confidence * 100)}%${advice ? ` (${advice})` : ""}`);
  }
  return h("div", { class: "muted summary" }, ...parts.flatMap((part, i) => (i ? [" · ", part] : [part])));
}

// The events of a data question (as /sql/generate/stream sends them, relayed by
// /chat) drawn into `card` as they come.
export function sqlView(card, question, ctx) {
  const stages = h("div", { class: "stages muted" }, "Reading the schema…");
  const sqlHolder = h("div");
  const chart = h("div", { class: "chart-holder" });
  const results = h("div");
  card.append(stages, sqlHolder, chart, results);
  const seen = [];
  return (event, data) => {
    if (event === "stage") {
      seen.push(`${data.stage} ${seconds(data.seconds)}`);
      stages.textContent = seen.join(" · ");
    } else if (event === "sql" && data.sql) {
      sqlHolder.append(sqlBlock(data.sql, data.explanation, data.warnings, ctx, question, chart, results));
    } else if (event === "rows") {
      results.append(renderTable(data.columns, data.rows, data.truncated));
    } else if (event === "chart") {
      showChart(chart, data);
    } else if (event === "error") {
      stages.remove(); // no "Reading the schema…" above an error
      results.append(errorBox(errorKind(data), data.message, data.rule));
    } else if (event === "done") {
      if (stages.isConnected) stages.replaceWith(summary(data));
      else card.append(summary(data));
    }
  };
}

// A data answer as its conversation kept it: the SQL (editable, runnable), the
// first rows and the chart.
export function storedSql(card, turn, ctx) {
  const chart = h("div", { class: "chart-holder" });
  const results = h("div");
  card.append(sqlBlock(turn.sql, turn.answer, turn.warnings, ctx, turn.message, chart, results), chart, results);
  showChart(chart, turn.chart);
  if (turn.columns.length) results.append(renderTable(turn.columns, turn.rows, turn.row_count > turn.rows.length));
}
