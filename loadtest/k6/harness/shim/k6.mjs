// Shim of the k6 module: check, sleep, group.
import { add } from "./state.mjs";

export function check(value, sets, tags = {}) {
  let all = true;
  for (const [name, predicate] of Object.entries(sets)) {
    let ok;
    try { ok = typeof predicate === "function" ? Boolean(predicate(value)) : Boolean(predicate); } catch { ok = false; }
    add("checks", ok ? 1 : 0, { ...tags, check: name });
    all &&= ok;
  }
  return all;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the virtual user for the given seconds, as k6's sleep does. */
export function sleep(seconds) {
  if (!(seconds >= 0)) throw new Error(`sleep needs seconds >= 0, got ${seconds}`);
  Atomics.wait(pause, 0, 0, seconds * 1000);
}

export function group(name, fn) {
  return fn();
}
