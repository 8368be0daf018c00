// The worker side of transport.mjs: fetch, and for event streams an SSE parser passing on each event at once.
import { parentPort, workerData } from "node:worker_threads";

const control = new Int32Array(workerData.control);
const data = new Uint8Array(workerData.data);
const encoder = new TextEncoder();

/** Hands one message over and waits until the virtual user has taken it; true if it asked to close. */
function send(message) {
  const bytes = encoder.encode(JSON.stringify(message));
  if (bytes.length > data.length) throw new Error(`a message of ${bytes.length} bytes exceeds the harness's ${data.length}-byte buffer`);
  data.set(bytes);
  control[1] = bytes.length;
  Atomics.store(control, 0, 1);
  Atomics.notify(control, 0);
  Atomics.wait(control, 0, 1);
  return Atomics.load(control, 2) === 1;
}

parentPort.on("message", async (request) => {
  const abort = new AbortController();
  const started = performance.now();
  try {
    const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body ?? undefined, signal: abort.signal });
    const headers = Object.fromEntries(response.headers);
    const isStream = request.stream && (headers["content-type"] ?? "").startsWith("text/event-stream");
    if (!isStream) {
      const body = await response.text();
      send({ type: "response", status: response.status, headers, body, duration: performance.now() - started });
      return;
    }
    if (send({ type: "open", status: response.status, headers })) { abort.abort(); send({ type: "end" }); return; }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "", event = { id: "", name: "", data: [] }, closed = false;
    while (!closed) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while (!closed && (newline = buffer.search(/\r?\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer[newline] === "\r" ? 2 : 1));
        if (line === "") {
          if (event.data.length > 0 || event.name) closed = send({ type: "event", id: event.id, name: event.name || "message", data: event.data.join("\n") });
          event = { id: "", name: "", data: [] };
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") event.data.push(value);
        else if (field === "event") event.name = value;
        else if (field === "id") event.id = value;
      }
    }
    if (closed) abort.abort();
    send({ type: "end" });
  } catch (error) {
    send({ type: "failed", error: error.cause?.message ?? error.message });
  }
});
