// A long run at a constant arrival rate (RATE chats a second for DURATION, default 30 minutes): latency must not
// drift and errors stay rare while memory, outboxes and connections are exercised for real.
import { check } from "k6";
import { config } from "./lib/config.js";
import { streamChat } from "./lib/openai.js";
import { recordStream } from "./lib/metrics.js";

export const options = {
  scenarios: {
    soak: {
      executor: "constant-arrival-rate", rate: config.rate, timeUnit: "1s", duration: __ENV.DURATION || "30m",
      preAllocatedVUs: config.vus, maxVUs: config.vus * 4, exec: "soak",
    },
  },
  thresholds: {
    stream_ok: ["rate>0.995"],
    ttft: [`p(99)<${config.thresholds.ttftP95Ms * 2}`, `p(95)<${config.thresholds.ttftP95Ms}`],
    itl: [`p(99)<${config.thresholds.itlP95Ms * 2}`],
    dropped_iterations: ["count<10"],
  },
};

export function soak() {
  const result = streamChat([{ role: "user", content: config.prompt }]);
  check(result, { "stream ended with usage": (r) => r.ok });
  recordStream(result);
}
