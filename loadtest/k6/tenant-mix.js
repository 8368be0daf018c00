// Several tenants share the mesh, one with a tight request limit. A 429 is counted per tenant and honoured: the
// virtual user waits the Retry-After the gateway sent, then tries again (up to MAX_RETRIES). Tenants and keys come
// from API_KEYS ('[{"name":"a","key":"sk-...","weight":3}, ...]') or, with ADMIN_KEY, setup() creates them.
import http from "k6/http";
import { check, sleep } from "k6";
import { Counter, Trend } from "k6/metrics";
import { config } from "./lib/config.js";
import { streamChat } from "./lib/openai.js";
import { recordStream } from "./lib/metrics.js";

const refused = new Counter("refused");
const served = new Counter("served");
const serverErrors = new Counter("server_errors");
const retryWait = new Trend("retry_wait", true);
const retryAfter = new Trend("retry_after", true);
const gaveUp = new Counter("gave_up");

export const options = {
  scenarios: {
    tenants: { executor: "constant-vus", vus: config.vus, duration: config.duration, exec: "tenantChat" },
  },
  thresholds: {
    server_errors: ["count<1"],
    // Only the tight tenant is ever refused; the others are always served.
    "refused{tenant:gold}": ["count<1"],
    "served{tenant:gold}": ["count>0"],
    "refused{tenant:tight}": ["count>0"],
    // Every refusal said when to come back.
    retry_after: ["min>0"],
  },
};

// The tenants setup() creates: "tight" may send one request a minute.
const plan = [
  { name: "gold", weight: 3, limits: {} },
  { name: "tight", weight: 1, limits: { requests_per_minute: 1 } },
];

export function setup() {
  if (__ENV.API_KEYS) return JSON.parse(__ENV.API_KEYS);
  if (!config.adminKey) throw new Error("tenant-mix needs ADMIN_KEY (to create tenants) or API_KEYS");
  const admin = { headers: { Authorization: `Bearer ${config.adminKey}`, "Content-Type": "application/json" } };
  const run = `${Date.now()}`;
  return plan.map((t) => {
    const tenant = `k6-${t.name}-${run}`;
    const put = http.put(`${config.baseUrl}/admin/v1/tenants/${tenant}`, JSON.stringify({ models: null, weight: t.weight, limits: t.limits }), admin);
    if (put.status !== 200) throw new Error(`PUT tenant ${tenant}: ${put.status} ${put.body}`);
    const key = http.post(`${config.baseUrl}/admin/v1/tenants/${tenant}/keys`, JSON.stringify({ name: "k6" }), admin);
    if (key.status !== 201) throw new Error(`POST key for ${tenant}: ${key.status} ${key.body}`);
    return { name: t.name, key: key.json().key, weight: t.weight };
  });
}

/** The tenant of this iteration, by weight (deterministic per VU and iteration, so runs are comparable). */
function pick(tenants) {
  const total = tenants.reduce((s, t) => s + t.weight, 0);
  let n = (__VU * 7919 + __ITER * 104729) % total;
  for (const t of tenants) { if (n < t.weight) return t; n -= t.weight; }
  return tenants[tenants.length - 1];
}

export function tenantChat(tenants) {
  const tenant = pick(tenants);
  const tags = { tenant: tenant.name };
  for (let attempt = 0; attempt <= config.maxRetries; attempt++) {
    const result = streamChat([{ role: "user", content: config.prompt }], { key: tenant.key, tags });
    if (result.status === 429) {
      refused.add(1, tags);
      if (result.retryAfterS !== null) retryAfter.add(result.retryAfterS * 1000, tags);
      if (attempt === config.maxRetries) { gaveUp.add(1, tags); return; }
      const wait = Math.min(result.retryAfterS ?? 1, config.maxRetryWaitS);
      retryWait.add(wait * 1000, tags);
      sleep(wait);
      continue;
    }
    if (result.status >= 500) serverErrors.add(1, tags);
    check(result, { "served": (r) => r.ok }, tags);
    recordStream(result, tags);
    if (result.ok) served.add(1, tags);
    return;
  }
}
