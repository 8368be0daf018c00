// Shim of k6/metrics: Counter, Gauge, Rate, Trend with add(value, tags).
import { define, add } from "./state.mjs";

class Metric {
  constructor(name, type, isTime) {
    if (typeof name !== "string" || !/^[A-Za-z0-9_]{1,128}$/.test(name)) throw new Error(`invalid metric name "${name}"`);
    this.name = name;
    define(name, type, isTime === true);
  }
  add(value, tags = {}) {
    if (typeof value === "boolean") value = value ? 1 : 0;
    if (typeof value !== "number" || Number.isNaN(value)) throw new Error(`${this.name}.add needs a number or boolean, got ${value}`);
    add(this.name, value, tags);
  }
}

export class Counter extends Metric { constructor(name, isTime) { super(name, "counter", isTime); } }
export class Gauge extends Metric { constructor(name, isTime) { super(name, "gauge", isTime); } }
export class Rate extends Metric { constructor(name) { super(name, "rate", false); } }
export class Trend extends Metric { constructor(name, isTime) { super(name, "trend", isTime); } }
