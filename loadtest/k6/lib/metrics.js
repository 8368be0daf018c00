// The custom metrics the scripts report (created in the init context, as k6 requires).
import { Counter, Rate, Trend } from "k6/metrics";

export const ttft = new Trend("ttft", true);
export const itl = new Trend("itl", true);
export const tokensPerSecond = new Trend("tokens_per_second");
export const completionTokens = new Counter("completion_tokens");
export const streamOk = new Rate("stream_ok");

/** Records one streamed chat's figures. */
export function recordStream(result, tags = {}) {
  streamOk.add(result.ok, tags);
  if (!result.ok) return;
  if (result.ttftMs !== null) ttft.add(result.ttftMs, tags);
  for (const gap of result.gapsMs) itl.add(gap, tags);
  completionTokens.add(result.usage.completion_tokens, tags);
  if (result.durationMs > 0) tokensPerSecond.add(result.usage.completion_tokens / (result.durationMs / 1000), tags);
}
