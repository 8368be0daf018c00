// Multi-turn sessions: each iteration is one conversation of TURNS turns under one x-session-id, each turn sending
// the whole history back. From the second turn the server reuses the session's state: cached_tokens > 0.
import { check } from "k6";
import { Rate, Trend } from "k6/metrics";
import { config } from "./lib/config.js";
import { streamChat } from "./lib/openai.js";
import { recordStream } from "./lib/metrics.js";

const cachedTokens = new Trend("cached_tokens");
const cacheReused = new Rate("session_cache_reused");

export const options = {
  scenarios: {
    sessions: { executor: "constant-vus", vus: config.vus, duration: config.duration, exec: "session" },
  },
  thresholds: {
    session_cache_reused: ["rate>0.9"],
    stream_ok: [`rate>${config.thresholds.streamOkRate}`],
    ttft: [`p(95)<${config.thresholds.ttftP95Ms}`],
  },
};

export function session() {
  const sessionId = `k6-${__VU}-${__ITER}-${Date.now()}`;
  const messages = [];
  for (let turn = 1; turn <= config.turns; turn++) {
    messages.push({ role: "user", content: `${config.prompt} (turn ${turn})` });
    const result = streamChat(messages, { sessionId, tags: { turn: String(turn) } });
    check(result, { "turn streamed": (r) => r.ok });
    recordStream(result);
    if (!result.ok) return;
    if (turn > 1) {
      const cached = result.usage.prompt_tokens_details?.cached_tokens ?? 0;
      cachedTokens.add(cached);
      cacheReused.add(cached > 0);
    }
    messages.push({ role: "assistant", content: result.content });
  }
}
