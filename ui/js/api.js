// Talking to the DB-GPT server: JSON calls and server-sent events over POST.

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail);
    this.status = status;
    this.body = body || {};
  }
}

// FastAPI answers {"detail": "..."} from our handlers, and a list of problems
// for a request that fails validation: both become one readable sentence.
function detailOf(body, status) {
  const detail = body && body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).slice(1).join(".") || "request"}: ${d.msg}`).join("; ");
  }
  return `the server answered ${status}`;
}

async function failure(response) {
  // The session ended (signed out elsewhere, expired): back to the login page.
  if (response.status === 401) location.assign("/");
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: the status says enough */ }
  return new ApiError(response.status, detailOf(body, response.status), body);
}

export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw await failure(response);
  return response.json();
}

async function post(url, body, accept, signal) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: accept },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw await failure(response);
  return response;
}

export async function postJSON(url, body, signal) {
  const response = await post(url, body, "application/json", signal);
  return response.status === 204 ? null : response.json();
}

export async function deleteJSON(url) {
  const response = await fetch(url, { method: "DELETE", headers: { Accept: "application/json" } });
  if (!response.ok) throw await failure(response);
}

// A multipart form (files): the browser writes the body and its boundary as it sends.
export async function postForm(url, form, signal) {
  const response = await fetch(url, { method: "POST", headers: { Accept: "application/json" }, body: form, signal });
  if (!response.ok) throw await failure(response);
  return response.json();
}

// One SSE block ("event: x\ndata: {...}") as {event, data}; data is parsed JSON.
export function parseEventBlock(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  const text = data.join("\n");
  try {
    return { event, data: JSON.parse(text) };
  } catch {
    return { event, data: text };
  }
}

// EventSource can only GET, and our streams take a JSON body, so the stream
// is read from fetch and cut into events at blank lines.
export async function postEvents(url, body, onEvent, signal) {
  const response = await post(url, body, "text/event-stream", signal);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let carry = ""; // a "\r" that ends a chunk may be half of "\r\n"
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    let text = carry + value;
    carry = text.endsWith("\r") ? "\r" : "";
    if (carry) text = text.slice(0, -1);
    buffer += text.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const parsed = parseEventBlock(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (parsed) onEvent(parsed.event, parsed.data);
    }
  }
  const rest = parseEventBlock((buffer + carry).replace(/\r/g, "\n").trim());
  if (rest) onEvent(rest.event, rest.data);
}
