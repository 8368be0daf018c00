// One streaming chat completion over SSE (xk6-sse: core k6 cannot read a stream as it arrives), measured as a user
// sees it: time to the first content token, the gaps between content chunks, and the usage the server reported.
import http from "k6/http";
import sse from "k6/x/sse";
import { config } from "./config.js";

let model = config.model;

/** The model to ask for: MODEL, or the first one GET /v1/models lists. */
export function modelName(headers = authHeaders(config.apiKey)) {
  if (model) return model;
  const res = http.get(`${config.baseUrl}/v1/models`, { headers });
  if (res.status !== 200) throw new Error(`GET /v1/models answered ${res.status}: ${res.error || res.body}`);
  model = res.json().data[0].id;
  return model;
}

export function authHeaders(key) {
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/**
 * Streams one chat. Returns { status, ok, ttftMs, gapsMs, content, usage, durationMs, retryAfterS, error }:
 * ok when the stream ended with [DONE] and a usage chunk; retryAfterS from a refusal's Retry-After.
 */
export function streamChat(messages, { key = config.apiKey, sessionId, maxTokens = config.maxTokens, tags = {} } = {}) {
  const headers = { "Content-Type": "application/json", Accept: "text/event-stream", ...authHeaders(key) };
  if (sessionId) headers["x-session-id"] = sessionId;
  const request = {
    model: modelName(authHeaders(key)), messages, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true },
  };
  if (config.temperature !== null) request.temperature = config.temperature;
  const body = JSON.stringify(request);
  const result = { status: 0, ok: false, ttftMs: null, gapsMs: [], content: "", usage: null, durationMs: 0, retryAfterS: null, error: null };
  const start = Date.now();
  let last = null, done = false;
  const response = sse.open(`${config.baseUrl}/v1/chat/completions`, { method: "POST", headers, body, tags }, (client) => {
    client.on("event", (event) => {
      if (event.data === "[DONE]") { done = true; client.close(); return; }
      let chunk;
      try { chunk = JSON.parse(event.data); } catch (e) { result.error = `not JSON: ${event.data}`; client.close(); return; }
      if (chunk.error) { result.error = chunk.error.message; client.close(); return; }
      if (chunk.usage) result.usage = chunk.usage;
      const text = chunk.choices?.[0]?.delta?.content;
      if (text) {
        const now = Date.now();
        if (result.ttftMs === null) result.ttftMs = now - start;
        else result.gapsMs.push(now - last);
        last = now;
        result.content += text;
      }
    });
    client.on("error", (e) => { result.error = typeof e.error === "function" ? e.error() : String(e); });
  });
  result.durationMs = Date.now() - start;
  result.status = response ? response.status : 0;
  const retryAfter = response?.headers?.["Retry-After"];
  if (retryAfter !== undefined) result.retryAfterS = Number(retryAfter);
  result.ok = result.status === 200 && done && result.usage !== null && result.error === null;
  return result;
}
