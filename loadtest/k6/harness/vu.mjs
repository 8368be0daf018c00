// One virtual user of the harness, in its own thread as in k6 (its own copy of the script's init context): runs the
// exec function for its iterations and hands its samples back.
import { register } from "node:module";
import { workerData, parentPort } from "node:worker_threads";

register("./hooks.mjs", import.meta.url);
const { script, vu, iterations, env, data, exec } = workerData;
globalThis.__ENV = env;
globalThis.__VU = vu;
globalThis.__ITER = 0;
const { metrics, add } = await import("./shim/state.mjs");
const module = await import(script);
const fn = exec === "default" ? module.default : module[exec];
if (typeof fn !== "function") throw new Error(`the script exports no function "${exec}"`);
const errors = [];
for (let i = 0; i < iterations; i++) {
  globalThis.__ITER = i;
  const started = Date.now();
  try { fn(data); } catch (e) { errors.push(`VU ${vu} iteration ${i}: ${e.stack ?? e}`); }
  add("iterations", 1);
  add("iteration_duration", Date.now() - started);
}
parentPort.postMessage({ metrics: [...metrics.entries()], errors });
