import test from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
const runner = path.join(here, "..", "run.mjs");

/** Streams four events 200 ms apart (the last says stop; a fifth would follow), and refuses /refuse with Retry-After. */
function server() {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      if (req.url === "/refuse") { res.writeHead(429, { "Retry-After": "1", "Content-Type": "application/json" }); res.end('{"error":{}}'); return; }
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      let n = 0;
      const timer = setInterval(() => {
        n++;
        res.write(n === 2 ? `event: named\ndata: ${n}\n\n` : `data: ${n === 4 ? "stop" : n}\n\n`);
        if (n === 5) { clearInterval(timer); res.end(); }
      }, 200);
      req.on("close", () => clearInterval(timer));
    });
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
}

function run(args) {
  return new Promise((resolve) => execFile(process.execPath, [runner, ...args], (error, stdout, stderr) =>
    resolve({ code: error ? error.code : 0, stdout, stderr })));
}

test("events reach the script as they arrive, and a closed stream stops", async () => {
  const s = await server();
  const summaryFile = path.join(os.tmpdir(), `k6-harness-${process.pid}.json`);
  const { code, stderr } = await run(["--script", path.join(here, "..", "fixtures", "stream.js"), "--vus", "2", "--iterations", "1",
    "--env", `BASE_URL=http://127.0.0.1:${s.address().port}`, "--summary-json", summaryFile]);
  s.close();
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(fs.readFileSync(summaryFile, "utf8"));
  fs.unlinkSync(summaryFile);
  // Two VUs, four events each (the client closed at "stop"): the gaps are the server's 200 ms, not a replay's ~0.
  assert.equal(summary.metrics.events.count, 8);
  assert.ok(summary.metrics.gap.min >= 150 && summary.metrics.gap.max < 1000, JSON.stringify(summary.metrics.gap));
  assert.ok(summary.metrics.refused_wait.min >= 240, JSON.stringify(summary.metrics.refused_wait));
  assert.deepEqual(summary.checks["refused 429"], { passes: 2, fails: 0 });
  assert.deepEqual(summary.checks["retry-after"], { passes: 2, fails: 0 });
  assert.ok(summary.thresholds.every(t => t.ok));
});

test("a failed threshold exits 99, a script error 1", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k6-harness-"));
  fs.writeFileSync(path.join(dir, "package.json"), '{"type":"module"}');
  fs.writeFileSync(path.join(dir, "fail.js"), `import { Counter } from "k6/metrics";
const c = new Counter("c");
export const options = { thresholds: { c: ["count>5"] } };
export default function () { c.add(1); }`);
  fs.writeFileSync(path.join(dir, "throw.js"), `export default function () { throw new Error("boom"); }`);
  fs.writeFileSync(path.join(dir, "unsupported.js"), `import ws from "k6/ws"; export default function () {}`);
  assert.equal((await run(["--script", path.join(dir, "fail.js")])).code, 99);
  const thrown = await run(["--script", path.join(dir, "throw.js")]);
  assert.equal(thrown.code, 1);
  assert.match(thrown.stderr, /boom/);
  const unsupported = await run(["--script", path.join(dir, "unsupported.js")]);
  assert.notEqual(unsupported.code, 0);
  assert.match(unsupported.stderr, /no shim for "k6\/ws"/);
  assert.equal((await run(["--vus", "2"])).code, 1);
  fs.rmSync(dir, { recursive: true });
});
