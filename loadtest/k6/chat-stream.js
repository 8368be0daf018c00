// Streaming chat at a fixed number of virtual users: TTFT, ITL and tokens/s as Trends, with thresholds.
//   k6 run -e BASE_URL=http://gateway:8080 -e API_KEY=sk-... -e VUS=8 -e DURATION=5m loadtest/k6/chat-stream.js
import { check } from "k6";
import { config } from "./lib/config.js";
import { streamChat } from "./lib/openai.js";
import { recordStream } from "./lib/metrics.js";

export const options = {
  scenarios: {
    chat: { executor: "constant-vus", vus: config.vus, duration: config.duration, exec: "chat" },
  },
  thresholds: {
    ttft: [`p(95)<${config.thresholds.ttftP95Ms}`],
    itl: [`p(95)<${config.thresholds.itlP95Ms}`],
    stream_ok: [`rate>${config.thresholds.streamOkRate}`],
    checks: ["rate>0.99"],
  },
};

export function chat() {
  const result = streamChat([{ role: "user", content: config.prompt }]);
  check(result, {
    "status 200": (r) => r.status === 200,
    "stream ended with usage": (r) => r.ok,
    "tokens streamed": (r) => r.content.length > 0,
  });
  recordStream(result);
}
