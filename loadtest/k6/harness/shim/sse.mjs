// Shim of the xk6-sse extension (k6/x/sse): open(url, params, setup) calls setup(client) to register handlers,
// streams the response, and calls the "event" handler for each event as it arrives (client.close() ends the
// stream); "error" handlers get {error()} on a failed connection. Returns {status, headers, url}.
import { exchange, canonicalHeaders } from "./transport.mjs";
import { add } from "./state.mjs";

const knownParams = new Set(["method", "body", "headers", "tags"]);

function open(url, params = {}, setup) {
  for (const key of Object.keys(params)) if (!knownParams.has(key)) throw new Error(`the k6 test harness does not support sse params.${key}`);
  const handlers = { open: [], event: [], error: [] };
  let closing = false;
  const client = {
    on(name, handler) {
      if (!(name in handlers)) throw new Error(`xk6-sse has no "${name}" event (open, event, error)`);
      handlers[name].push(handler);
    },
    close() { closing = true; },
  };
  setup(client);
  let response = { status: 0, headers: {}, url };
  const started = Date.now();
  exchange({ method: params.method ?? "GET", url, body: params.body, headers: params.headers ?? {}, stream: true }, (m) => {
    if (m.type === "open" || m.type === "response") {
      response = { status: m.status, headers: canonicalHeaders(m.headers), url };
      if (m.type === "open") for (const h of handlers.open) h();
    } else if (m.type === "event") {
      for (const h of handlers.event) h({ id: m.id, name: m.name, data: m.data });
    } else if (m.type === "failed") {
      for (const h of handlers.error) h({ error: () => m.error });
    }
    return closing ? "close" : undefined;
  });
  const tags = { method: params.method ?? "GET", status: String(response.status), ...params.tags };
  add("http_reqs", 1, tags);
  add("http_req_duration", Date.now() - started, tags);
  add("http_req_failed", response.status === 0 || response.status >= 400 ? 1 : 0, tags);
  return response;
}

export default { open };
