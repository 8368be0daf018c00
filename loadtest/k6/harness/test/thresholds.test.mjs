import test from "node:test";
import assert from "node:assert/strict";
import { evaluate, parseKey, percentile } from "../thresholds.mjs";

const metric = (type, values, tags = () => ({})) => ({ type, samples: values.map((value, i) => ({ value, tags: tags(i) })) });

test("percentiles interpolate between closest ranks", () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([10], 95), 10);
  assert.equal(percentile([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95), 95);
});

test("keys name a metric and optional tag filters", () => {
  assert.deepEqual(parseKey("refused{tenant:gold,turn:2}"), { metric: "refused", tags: { tenant: "gold", turn: "2" } });
  assert.throws(() => parseKey("bad key"), /invalid threshold key/);
  assert.throws(() => parseKey("m{tenant}"), /invalid tag filter/);
});

test("each statistic is evaluated over the filtered samples", () => {
  const metrics = new Map([
    ["ttft", metric("trend", [100, 200, 300, 400])],
    ["ok", metric("rate", [1, 1, 1, 0])],
    ["refused", metric("counter", [1, 1, 1], i => ({ tenant: i === 0 ? "gold" : "tight" }))],
  ]);
  const results = evaluate({
    ttft: ["p(95)<400", "avg<=250", "max<=400", "med==250"],
    ok: ["rate>0.9"],
    "refused{tenant:tight}": ["count>1"],
    "refused{tenant:gold}": ["count<1"],
    "refused{tenant:none}": ["count<1"],
  }, metrics, 10);
  assert.deepEqual(results.map(r => [r.key, r.expression, r.ok]), [
    ["ttft", "p(95)<400", true], ["ttft", "avg<=250", true], ["ttft", "max<=400", true], ["ttft", "med==250", true],
    ["ok", "rate>0.9", false],
    ["refused{tenant:tight}", "count>1", true], ["refused{tenant:gold}", "count<1", false], ["refused{tenant:none}", "count<1", true],
  ]);
});

test("a trend without samples fails its threshold; unknown metrics and expressions are errors", () => {
  const metrics = new Map([["ttft", metric("trend", [])], ["n", metric("counter", [])]]);
  assert.equal(evaluate({ ttft: ["p(95)<1000"] }, metrics, 1)[0].ok, false);
  assert.throws(() => evaluate({ nothing: ["count<1"] }, metrics, 1), /no script defines/);
  assert.throws(() => evaluate({ ttft: ["p95<1000"] }, metrics, 1), /unsupported threshold expression/);
  assert.throws(() => evaluate({ n: ["p(95)<1"] }, metrics, 1), /not a statistic of a counter/);
});
