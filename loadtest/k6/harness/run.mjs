// The k6 test harness: runs a k6 script's setup(), its exec function for N iterations on each of V virtual users
// (threads running at once), and teardown(), against a real server, then evaluates the script's thresholds.
// This is not k6: executors (constant-vus, arrival rates, durations) are replaced by --vus x --iterations, and an
// iteration that throws fails the run (k6 would only log it).
//   node loadtest/k6/harness/run.mjs --script loadtest/k6/chat-stream.js --vus 2 --iterations 3 \
//        --env BASE_URL=http://127.0.0.1:8080 [--exec NAME] [--summary-json FILE]
// Exit codes as k6: 0 passed, 99 a threshold failed; 1 an error (a thrown iteration, a bad script, a bad option).
import { register } from "node:module";
import { Worker } from "node:worker_threads";
import path from "node:path";
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import { evaluate, percentile } from "./thresholds.mjs";

function usage(message) {
  console.error(`k6 harness: ${message}`);
  console.error("usage: run.mjs --script FILE [--vus N] [--iterations N] [--exec NAME] [--env K=V ...] [--summary-json FILE]");
  process.exit(1);
}

const argv = process.argv.slice(2);
const opts = { vus: 1, iterations: 1, env: {} };
for (let i = 0; i < argv.length; i++) {
  const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${argv[i]} needs a value`));
  switch (argv[i]) {
    case "--script": opts.script = value(); break;
    case "--vus": opts.vus = Number(value()); break;
    case "--iterations": opts.iterations = Number(value()); break;
    case "--exec": opts.exec = value(); break;
    case "--summary-json": opts.summary = value(); break;
    case "--env": { const kv = value(), eq = kv.indexOf("="); if (eq < 1) usage(`--env needs K=V, got ${kv}`); opts.env[kv.slice(0, eq)] = kv.slice(eq + 1); break; }
    default: usage(`unknown option ${argv[i]}`);
  }
}
if (!opts.script) usage("--script is required");
if (!(opts.vus >= 1 && Number.isInteger(opts.vus)) || !(opts.iterations >= 1 && Number.isInteger(opts.iterations))) usage("--vus and --iterations must be positive integers");
if (!fs.existsSync(opts.script)) usage(`no script at ${opts.script}`);

// As k6 does by default, the script sees the system environment under the -e values.
const env = { ...process.env, ...opts.env };
register("./hooks.mjs", import.meta.url);
globalThis.__ENV = env;
globalThis.__VU = 0;
globalThis.__ITER = 0;
const script = pathToFileURL(path.resolve(opts.script)).href;
const { metrics } = await import("./shim/state.mjs");
const module = await import(script);
const options = module.options ?? {};
const scenario = Object.values(options.scenarios ?? {})[0];
const exec = opts.exec ?? scenario?.exec ?? "default";

const started = Date.now();
const errors = [];
let data;
try { data = module.setup ? module.setup() : undefined; }
catch (e) { console.error(`k6 harness: setup() failed: ${e.stack ?? e}`); process.exit(1); }

const results = await Promise.all(Array.from({ length: opts.vus }, (_, v) => new Promise((resolve, reject) => {
  const worker = new Worker(new URL("./vu.mjs", import.meta.url), {
    workerData: { script, vu: v + 1, iterations: opts.iterations, env, data: data === undefined ? undefined : JSON.parse(JSON.stringify(data)), exec },
  });
  worker.once("message", resolve);
  worker.once("error", reject);
})));
for (const r of results) {
  errors.push(...r.errors);
  for (const [name, m] of r.metrics) {
    if (!metrics.has(name)) metrics.set(name, { ...m, samples: [] });
    metrics.get(name).samples.push(...m.samples);
  }
}
if (module.teardown) module.teardown(data);
const durationS = (Date.now() - started) / 1000;

const summary = { script: opts.script, exec, vus: opts.vus, iterations: opts.iterations, duration_s: durationS, metrics: {}, checks: {}, thresholds: [], errors };
for (const [name, m] of metrics) {
  const values = m.samples.map(s => s.value), sorted = [...values].sort((a, b) => a - b);
  const sum = values.reduce((s, v) => s + v, 0);
  summary.metrics[name] = m.type === "trend"
    ? { type: m.type, count: values.length, avg: values.length ? sum / values.length : null, min: sorted[0] ?? null, med: values.length ? percentile(sorted, 50) : null,
        p90: values.length ? percentile(sorted, 90) : null, p95: values.length ? percentile(sorted, 95) : null, max: sorted.at(-1) ?? null }
    : m.type === "rate" ? { type: m.type, count: values.length, rate: values.length ? values.filter(v => v !== 0).length / values.length : null }
    : m.type === "counter" ? { type: m.type, count: sum, rate: sum / durationS }
    : { type: m.type, value: values.at(-1) ?? null };
}
for (const s of metrics.get("checks").samples) {
  const c = (summary.checks[s.tags.check] ??= { passes: 0, fails: 0 });
  s.value ? c.passes++ : c.fails++;
}
try { summary.thresholds = evaluate(options.thresholds, metrics, durationS); }
catch (e) { console.error(`k6 harness: ${e.message}`); process.exit(1); }

const fmt = v => (v === null || v === undefined || Number.isNaN(v) ? "-" : Number.isInteger(v) ? String(v) : v.toFixed(2));
console.log(`k6 harness: ${opts.script} exec=${exec} vus=${opts.vus} iterations=${opts.iterations} in ${durationS.toFixed(1)} s`);
for (const [name, m] of Object.entries(summary.metrics))
  console.log(`  ${name.padEnd(22)} ${Object.entries(m).filter(([k]) => k !== "type").map(([k, v]) => `${k}=${fmt(v)}`).join(" ")}`);
for (const [name, c] of Object.entries(summary.checks)) console.log(`  ${c.fails ? "✗" : "✓"} ${name}: ${c.passes} passed, ${c.fails} failed`);
for (const t of summary.thresholds) console.log(`  ${t.ok ? "✓" : "✗"} ${t.key}: ${t.expression} (${fmt(t.value)})`);
for (const e of errors) console.error(`  error: ${e}`);
if (opts.summary) fs.writeFileSync(opts.summary, JSON.stringify(summary, null, 2));
process.exit(errors.length > 0 ? 1 : summary.thresholds.every(t => t.ok) ? 0 : 99);
