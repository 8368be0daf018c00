// Shim of k6/http: synchronous get/post/put/del/request, responses as k6 shapes them, and the built-in http_* metrics.
import { exchange, canonicalHeaders } from "./transport.mjs";
import { add } from "./state.mjs";

const knownParams = new Set(["headers", "tags", "timeout"]);

function request(method, url, body, params = {}) {
  for (const key of Object.keys(params)) if (!knownParams.has(key)) throw new Error(`the k6 test harness does not support http params.${key}`);
  if (body !== null && body !== undefined && typeof body !== "string") throw new Error("the k6 test harness sends string bodies only (JSON.stringify them)");
  let result;
  exchange({ method, url, body, headers: params.headers ?? {} }, (m) => { result = m; });
  const tags = { method, ...params.tags };
  if (result.type === "failed") {
    add("http_reqs", 1, tags);
    add("http_req_failed", 1, tags);
    return { status: 0, body: null, headers: {}, error: result.error, error_code: 1000, timings: { duration: 0 }, json() { throw new Error(`no body: ${result.error}`); } };
  }
  add("http_reqs", 1, { ...tags, status: String(result.status) });
  add("http_req_duration", result.duration, { ...tags, status: String(result.status) });
  add("http_req_failed", result.status >= 400 ? 1 : 0, tags);
  return {
    status: result.status,
    body: result.body,
    headers: canonicalHeaders(result.headers),
    error: "",
    error_code: 0,
    timings: { duration: result.duration },
    json(selector) {
      const value = JSON.parse(result.body);
      if (selector === undefined) return value;
      return selector.split(".").reduce((v, k) => (v == null ? undefined : v[k]), value);
    },
  };
}

export default {
  request,
  get: (url, params) => request("GET", url, null, params),
  post: (url, body, params) => request("POST", url, body, params),
  put: (url, body, params) => request("PUT", url, body, params),
  del: (url, body, params) => request("DELETE", url, body, params),
};
