// Shared set-up for the e2e specs other than e2e.test.mjs: one Go dev server (app/devserver, real
// backend, generated test model) in a fresh home folder, one headless Chromium page, and helpers.
// Each spec file gets its own server, so specs are independent and can run one at a time:
//   node --test e2e/editor.test.mjs
// Environment as in e2e.test.mjs: HUSHSCRIBE_DEV_BIN, HUSHSCRIBE_CORPUS, CHROMIUM.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "..", "..");
export const tid = (id) => `[data-testid="${id}"]`;

export function corpusDir() {
  if (process.env.HUSHSCRIBE_CORPUS) return process.env.HUSHSCRIBE_CORPUS;
  for (let d = repo; d !== path.dirname(d); d = path.dirname(d)) {
    const c = path.join(path.dirname(d), "shared", "corpus");
    if (fs.existsSync(c)) return c;
    const inside = path.join(d, "shared", "corpus");
    if (fs.existsSync(inside)) return inside;
  }
  throw new Error("speech corpus not found: set HUSHSCRIBE_CORPUS");
}

function devBinary(tmp) {
  if (process.env.HUSHSCRIBE_DEV_BIN) return process.env.HUSHSCRIBE_DEV_BIN;
  const bin = path.join(tmp, "hushscribe-dev");
  execFileSync(
    "bash",
    ["-c", 'eval "$(build/whisper.sh --env)" && GOFLAGS=-mod=mod go build -tags sqlite_fts5 -o "$0" ./app/devserver/cmd/hushscribe-dev', bin],
    { cwd: repo, stdio: ["ignore", "inherit", "inherit"] },
  );
  return bin;
}

/**
 * start launches the dev server and a page. Options: colorScheme ("light" | "dark"), viewport,
 * locale (the page's language, e.g. "de-DE").
 */
export async function start(opts = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hushscribe-e2e-"));
  if (!fs.existsSync(path.join(repo, "frontend", "dist", "index.html"))) {
    throw new Error("frontend/dist is missing: run `npm run build` first");
  }
  const corpus = corpusDir();
  const home = path.join(tmp, "home");
  const flags = ["-testmodel", "-home", home, "-dist", path.join(repo, "frontend", "dist")];
  if (opts.backupServer) flags.push("-backupserver");
  let backupServer = null;
  const server = spawn(devBinary(tmp), flags, {
    cwd: repo,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("dev server did not start: " + out)), 120_000);
    server.stdout.on("data", (d) => {
      out += d;
      const b = /backup server (\S+) fingerprint ([0-9a-f]{64})/.exec(out);
      if (b) backupServer = { url: b[1], fingerprint: b[2] };
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.on("exit", (code) => reject(new Error(`dev server exited with ${code}: ${out}`)));
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
      "--disable-quic", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
      ...(opts.locale ? [`--lang=${opts.locale}`] : [])],
  });
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 820 },
    colorScheme: opts.colorScheme ?? "light",
    locale: opts.locale ?? "en-US",
  });
  const page = await context.newPage();
  const log = [];
  page.on("pageerror", (e) => console.error("page error:", e.message, e.stack));
  page.on("console", (m) => {
    log.push(`${m.type()}: ${m.text()}`);
    if (log.length > 200) log.shift();
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__hushscribeEventsReady === true);

  async function post(p, body) {
    const r = await fetch(new URL(p, url), { method: "POST", body: JSON.stringify(body) });
    return r.json();
  }
  async function call(method, ...args) {
    const r = await post("api/call/" + method, args);
    if (r.error !== undefined) throw new Error(r.error);
    return r.result;
  }
  async function until(cond, timeout = 60_000) {
    const deadline = Date.now() + timeout;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${cond}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** transcribe queues files through the page's drop and waits until each job is done. */
  async function transcribe(...files) {
    await post("api/test/drop", files);
    const ids = [];
    for (const f of files) {
      const deadline = Date.now() + 240_000;
      for (;;) {
        const job = (await call("Jobs")).find((j) => j.path === f && ["done", "failed", "cancelled"].includes(j.state));
        if (job) {
          assert.equal(job.state, "done", `job for ${f}: ${JSON.stringify(job)}`);
          ids.push(job.transcriptId);
          break;
        }
        if (Date.now() > deadline) throw new Error(`job for ${f} not done: ${JSON.stringify(await call("Jobs"))}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return ids;
  }
  async function stop() {
    await browser.close();
    if (server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  /** focused returns the data-testid (or tag and aria-label) of the focused element. */
  async function focused() {
    return page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return "body";
      return el.getAttribute("data-testid") || `${el.tagName.toLowerCase()}[${el.getAttribute("aria-label") ?? ""}]`;
    });
  }
  return { page, url, home, tmp, corpus, call, post, until, transcribe, stop, focused, log, browser, context, backupServer };
}

const S = 1e9;

/**
 * knownTranscript replaces transcript id's segments with known text: n segments of `step` seconds
 * over the recording, each with word timings, speakers alternating between Alice and Bob.
 */
export async function knownTranscript(h, id, { n = 11, step = 1 } = {}) {
  const base = await h.call("GetTranscript", id);
  const words = ["and", "so", "my", "fellow", "Americans", "ask", "not", "what", "your", "country", "can"];
  const segments = Array.from({ length: n }, (_, i) => {
    const start = i * step * S;
    const ws = [0, 1, 2, 3].map((k) => ({
      start: start + (k * step * S) / 4,
      end: start + ((k + 1) * step * S) / 4,
      text: " " + words[(i + k) % words.length] + (k === 3 ? String(i + 1) : ""),
      probability: k === 2 ? 0.2 : 0.95,
    }));
    return { start, end: start + step * S, text: ws.map((w) => w.text).join(""), speaker: i % 2 ? "S2" : "S1", words: ws };
  });
  await h.call("SaveTranscript", { ...base, segments, speakers: [{ id: "S1", name: "Alice" }, { id: "S2", name: "Bob" }] });
  return segments;
}
