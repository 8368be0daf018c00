// k6 thresholds over recorded samples: "metric" or "metric{tag:value,...}" keys, expressions such as p(95)<3000,
// avg<200, rate>0.99, count<1, max<=5, med<100, value>0. Percentiles interpolate between closest ranks.
const Expression = /^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|<|>|===|==|!=)\s*(-?\d+(?:\.\d+)?)\s*$/;

export function parseKey(key) {
  const m = /^([A-Za-z0-9_]+)(?:\{([^}]*)\})?$/.exec(key);
  if (!m) throw new Error(`invalid threshold key "${key}"`);
  const tags = {};
  for (const pair of (m[2] ?? "").split(",").filter(Boolean)) {
    const [k, ...v] = pair.split(":");
    if (v.length === 0) throw new Error(`invalid tag filter "${pair}" in "${key}"`);
    tags[k.trim()] = v.join(":").trim();
  }
  return { metric: m[1], tags };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = (sorted.length - 1) * p / 100, below = Math.floor(rank);
  return below >= sorted.length - 1 ? sorted[sorted.length - 1] : sorted[below] + (rank - below) * (sorted[below + 1] - sorted[below]);
}

/** The statistic an expression asks for, over the samples of a metric of the given type. */
export function statistic(type, samples, name, durationS) {
  const values = samples.map(s => s.value);
  const sorted = [...values].sort((a, b) => a - b);
  const sum = values.reduce((s, v) => s + v, 0);
  const allowed = { trend: ["avg", "min", "max", "med", "p"], counter: ["count", "rate"], rate: ["rate"], gauge: ["value", "min", "max"] }[type];
  if (!allowed.includes(name.startsWith("p(") ? "p" : name)) throw new Error(`${name} is not a statistic of a ${type}`);
  if (name.startsWith("p(")) return percentile(sorted, Number(name.slice(2, -1)));
  switch (name) {
    case "avg": return values.length ? sum / values.length : NaN;
    case "min": return values.length ? sorted[0] : NaN;
    case "max": return values.length ? sorted[sorted.length - 1] : NaN;
    case "med": return percentile(sorted, 50);
    case "count": return sum;
    case "rate": return type === "counter" ? sum / durationS : (values.length ? values.filter(v => v !== 0).length / values.length : NaN);
    case "value": return values.length ? values[values.length - 1] : NaN;
  }
}

const compare = { "<": (a, b) => a < b, "<=": (a, b) => a <= b, ">": (a, b) => a > b, ">=": (a, b) => a >= b, "==": (a, b) => a === b, "===": (a, b) => a === b, "!=": (a, b) => a !== b };

/** Every threshold of options.thresholds, evaluated: [{ key, expression, value, ok }]. */
export function evaluate(thresholds, metrics, durationS) {
  const results = [];
  for (const [key, list] of Object.entries(thresholds ?? {})) {
    const { metric, tags } = parseKey(key);
    const m = metrics.get(metric);
    if (!m) throw new Error(`threshold on "${metric}", which no script defines`);
    const samples = m.samples.filter(s => Object.entries(tags).every(([k, v]) => s.tags[k] === v));
    for (const item of Array.isArray(list) ? list : [list]) {
      const expression = typeof item === "string" ? item : item.threshold;
      const parsed = Expression.exec(expression);
      if (!parsed) throw new Error(`unsupported threshold expression "${expression}" on ${key}`);
      const value = statistic(m.type, samples, parsed[1], durationS);
      // As in k6, a statistic of no samples (NaN) fails every comparison but a count.
      results.push({ key, expression, value, ok: compare[parsed[3]](value, Number(parsed[4])) });
    }
  }
  return results;
}
