// What one virtual user's run records (the harness's own bookkeeping, not a k6 API): every metric sample with its tags.
export const metrics = new Map();   // name -> { type, isTime, samples: [{ value, tags }] }

export function define(name, type, isTime = false) {
  const known = metrics.get(name);
  if (known && known.type !== type) throw new Error(`metric ${name} is already a ${known.type}, not a ${type}`);
  if (!known) metrics.set(name, { type, isTime, samples: [] });
  return metrics.get(name);
}

export function add(name, value, tags = {}) {
  metrics.get(name).samples.push({ value: Number(value), tags: { ...tags } });
}

// The built-in metrics k6 always has.
define("checks", "rate");
define("http_reqs", "counter");
define("http_req_duration", "trend", true);
define("http_req_failed", "rate");
define("iterations", "counter");
define("iteration_duration", "trend", true);
// Only arrival-rate executors drop iterations; the harness runs a fixed count per VU, so it stays 0.
define("dropped_iterations", "counter");
