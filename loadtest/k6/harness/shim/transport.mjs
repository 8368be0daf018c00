// The synchronous HTTP that k6's APIs have and Node's do not: a worker thread makes the request with fetch and hands
// each piece (the response, or an SSE stream's events one at a time, as they arrive) to the virtual user, which
// blocks on a shared buffer until the piece is there. So a script's Date.now() in an event callback is the real
// arrival time of that event.
import { Worker } from "node:worker_threads";

const Capacity = 8 << 20;
const decoder = new TextDecoder();
let worker, control, data;

// control[0]: 1 when a message is waiting for the virtual user, 0 when the worker may write the next;
// control[1]: the message's length; control[2]: 1 when the virtual user asked to close the stream.
function start() {
  control = new Int32Array(new SharedArrayBuffer(12));
  data = new Uint8Array(new SharedArrayBuffer(Capacity));
  worker = new Worker(new URL("./transport-worker.mjs", import.meta.url), { workerData: { control: control.buffer, data: data.buffer } });
  worker.unref();
}

/**
 * Sends the request and calls onMessage for each message the worker passes back, in order, until the last
 * ({type: "response"}, {type: "end"} or {type: "failed"}). onMessage returns "close" to end a stream early.
 */
export function exchange(request, onMessage) {
  if (!worker) start();
  Atomics.store(control, 2, 0);
  worker.postMessage(request);
  for (;;) {
    Atomics.wait(control, 0, 0);
    const message = JSON.parse(decoder.decode(data.slice(0, control[1])));
    const last = ["response", "end", "failed"].includes(message.type);
    const verdict = onMessage(message);
    if (verdict === "close") Atomics.store(control, 2, 1);
    Atomics.store(control, 0, 0);
    Atomics.notify(control, 0);
    if (last) return;
  }
}

/** k6 spells response header names in canonical form (Retry-After, Content-Type). */
export function canonicalHeaders(headers) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.split("-").map(w => w.charAt(0).toUpperCase() + w.slice(1)).join("-"), v]));
}
