// End-to-end tests: the built page (dist/) in headless Chromium, served by the Go dev server
// (app/devserver) wired to the real backend: SQLite library and vault, whisper.cpp with a small
// generated test model, the real exporters. Run with `npm run e2e` after `npm run build`.
//
// Environment: HUSHSCRIBE_DEV_BIN (a prebuilt hushscribe-dev; otherwise it is built here with
// build/whisper.sh's flags), HUSHSCRIBE_CORPUS (the speech corpus; otherwise ../shared/corpus next
// to the repository), CHROMIUM (default /usr/bin/chromium).
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hushscribe-e2e-"));

function corpusDir() {
  if (process.env.HUSHSCRIBE_CORPUS) return process.env.HUSHSCRIBE_CORPUS;
  for (let d = repo; d !== path.dirname(d); d = path.dirname(d)) {
    const c = path.join(path.dirname(d), "shared", "corpus");
    if (fs.existsSync(c)) return c;
    const inside = path.join(d, "shared", "corpus");
    if (fs.existsSync(inside)) return inside;
  }
  throw new Error("speech corpus not found: set HUSHSCRIBE_CORPUS");
}

function devBinary() {
  if (process.env.HUSHSCRIBE_DEV_BIN) return process.env.HUSHSCRIBE_DEV_BIN;
  const bin = path.join(tmp, "hushscribe-dev");
  execFileSync(
    "bash",
    ["-c", 'eval "$(build/whisper.sh --env)" && GOFLAGS=-mod=mod go build -tags sqlite_fts5 -o "$0" ./app/devserver/cmd/hushscribe-dev', bin],
    { cwd: repo, stdio: ["ignore", "inherit", "inherit"] },
  );
  return bin;
}

let server, url, home, browser, page, backupServer;
const nonLocal = []; // requests that would leave the machine
const cspViolations = [];

// isLocal: the URL stays on this machine (loopback, or no network at all).
function isLocal(u) {
  const x = new URL(u);
  if (["data:", "blob:", "about:"].includes(x.protocol)) return true;
  return ["127.0.0.1", "localhost", "[::1]", "::1"].includes(x.hostname);
}
const pageLog = []; // the page's last console lines, for diagnostics
const corpus = corpusDir();

async function startServer() {
  const bin = devBinary();
  home = path.join(tmp, "home");
  // Mesa's lavapipe (Vulkan on the CPU) is a device ggml-vulkan skips unless asked for: it makes the
  // Vulkan device the device picker test uses. Every other test runs on the CPU (set in before()).
  const env = { GGML_VK_VISIBLE_DEVICES: "0", ...process.env };
  // The dev server finds whisper.cpp's libraries through the rpath build/whisper.sh set up.
  // -mic: a pretend microphone that hears jfk.flac (11 s) in real time, then silence.
  server = spawn(bin, ["-testmodel", "-backupserver", "-mic", path.join(corpus, "jfk.flac"), "-home", home, "-dist", path.join(repo, "frontend", "dist")], {
    cwd: repo,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("dev server did not start: " + out)), 120_000);
    server.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      const b = /backup server (\S+) fingerprint ([0-9a-f]{64})/.exec(out);
      if (b) backupServer = { url: b[1], fingerprint: b[2] };
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.on("exit", (code) => reject(new Error(`dev server exited with ${code}: ${out}`)));
  });
}

async function post(p, body) {
  const r = await fetch(new URL(p, url), { method: "POST", body: JSON.stringify(body) });
  return r.json();
}

/** call invokes a bound method directly, as the page would. */
// waitJob waits until the queue's job for a file has finished and fails with the job's own state and
// error when it did not end "done", rather than with a bare timeout.
async function waitJob(name, timeout = 240_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const job = (await call("Jobs")).find((j) => j.name === name && ["done", "failed", "cancelled"].includes(j.state));
    if (job) {
      assert.equal(job.state, "done", `job for ${name} ended ${job.state}: ${JSON.stringify(job)}`);
      return job;
    }
    if (Date.now() > deadline) {
      throw new Error(`job for ${name} not finished after ${timeout} ms: ${JSON.stringify(await call("Jobs"))}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

// until polls cond, run here in Node against the backend, until it is true. (page.waitForFunction
// cannot do this: it does not await a promise its predicate returns, so an async predicate passes at
// once. That made earlier versions of these tests drop files before the vault password was set.)
async function until(cond, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${cond}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function call(method, ...args) {
  const r = await post("api/call/" + method, args);
  if (r.error !== undefined) throw new Error(r.error);
  return r.result;
}

// dropAndQueue drops files on the page and waits until each has a job in the queue; when they do
// not, it fails with what the page shows and its last console lines (which log drops and views).
async function dropAndQueue(...files) {
  await drop(...files);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const jobs = await call("Jobs");
    if (files.every((f) => jobs.some((j) => j.path === f))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`drop of ${files.join(", ")} not queued after 30 s; page says:\n${await page.locator("body").innerText()}\npage log:\n${pageLog.slice(-40).join("\n")}`);
}

async function drop(...files) {
  await post("api/test/drop", files);
}

const tid = (id) => `[data-testid="${id}"]`;

before(async () => {
  if (!fs.existsSync(path.join(repo, "frontend", "dist", "index.html"))) {
    throw new Error("frontend/dist is missing: run `npm run build` first");
  }
  await startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
      "--disable-quic", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  // Nothing is sent anywhere: every request the page (or a worker of it) makes must stay on this
  // machine, and nothing may break the page's Content-Security-Policy. Checked after every test.
  page.context().on("request", (r) => {
    if (!isLocal(r.url())) nonLocal.push(`${r.method()} ${r.url()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "(inline)"}`));
  });
  page.on("console", (m) => {
    if (m.text().startsWith("CSP violation") || /Refused to (load|connect|execute|apply|frame)/.test(m.text())) cspViolations.push(m.text());
  });
  page.on("pageerror", (e) => console.error("page error:", e.message));
  page.on("console", (m) => {
    pageLog.push(`${m.type()}: ${m.text()}`);
    if (pageLog.length > 200) pageLog.shift();
  });
  // "auto" would pick lavapipe, ~90x slower than the CPU backend: the other tests use the CPU.
  await call("SaveSettings", { ...(await call("GetSettings")), device: "cpu" });
  await page.goto(url);
  await page.waitForFunction(() => window.__hushscribeEventsReady === true);
  // The page's ready signal (what build/screenshot.sh waits for in the desktop window).
  await page.waitForFunction(() => document.documentElement.dataset.ready === "true" && document.title === "Hushscribe");
  await page.locator(tid("dropzone")).waitFor();
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("desktop page against the real backend", () => {
  let stereoId = "";

  afterEach(() => {
    assert.deepEqual(nonLocal, [], "the page made requests that leave the machine");
    assert.deepEqual(cspViolations, [], "the page broke its Content-Security-Policy");
  });

  test("request monitoring sees requests, and flags a non-local one", async () => {
    // The monitor's idea of "local" is right, and a request the page tries to another host never
    // reaches the network: connect-src refuses it, the violation is seen (and cleared here, as the
    // one expected); anything that got through would be in nonLocal and fail afterEach.
    assert.ok(isLocal(url), `the dev server's URL ${url} counts as local`);
    assert.ok(!isLocal("https://example.com/x") && !isLocal("http://10.0.0.1/") && !isLocal("http://192.0.2.1:80/"));
    const before = nonLocal.length;
    await page.evaluate(() => fetch("http://192.0.2.1/beacon").catch(() => {}));
    try {
      await until(async () => cspViolations.some((v) => v.startsWith("CSP violation: connect-src")), 10_000);
    } finally {
      nonLocal.splice(before);
      cspViolations.length = 0;
    }
  });

  test("a dropped file is transcribed, with progress to 100 %", async () => {
    await page.locator(tid("opt-channels")).check();
    await until(async () => (await call("GetSettings")).speakerPerChannel === true);
    await dropAndQueue(path.join(corpus, "stereo_two_speakers.wav"));
    const job = page.locator(`${tid("job")}:has-text("stereo_two_speakers.wav")`);
    await job.waitFor();
    await waitJob("stereo_two_speakers.wav");
    await page.locator(`${tid("job")}[data-state="done"]:has-text("stereo_two_speakers.wav")`).waitFor();
    assert.equal(await job.locator(tid("job-percent")).textContent(), "100%");
    const jobs = await call("Jobs");
    const done = jobs.find((j) => j.name === "stereo_two_speakers.wav");
    assert.equal(done.state, "done");
    assert.equal(done.percent, 100);
    stereoId = done.transcriptId;
    assert.ok(stereoId);
  });

  test("a file that is not audio fails with a clear message", async () => {
    const bogus = path.join(tmp, "notes.txt");
    fs.writeFileSync(bogus, "these are meeting notes, not a recording\n".repeat(50));
    await dropAndQueue(bogus);
    const failed = page.locator(`${tid("job")}[data-state="failed"]:has-text("notes.txt")`);
    await failed.waitFor({ timeout: 60_000 });
    const msg = await failed.locator(tid("job-error")).textContent();
    assert.match(msg, /not supported|damaged|not an audio/i);
  });

  test("quick record: pick the microphone, see the level, stop on silence, get the text", async () => {
    // Settings: the pretend microphones are listed; choose the one that hears jfk.flac and stop
    // after 2 s of silence, copying and saving the text.
    await page.locator(tid("nav-settings")).click();
    const picker = page.locator(`${tid("mic-settings")} ${tid("mic-device")}`);
    await picker.waitFor();
    const labels = await picker.locator("option").allTextContents();
    assert.ok(labels.some((l) => l.startsWith("Test microphone (jfk.flac)")), labels.join(", "));
    assert.ok(labels.includes("Silent test microphone"), labels.join(", "));
    await picker.selectOption("test-speaker");
    await page.locator(tid("quick-silence")).selectOption("2");
    await page.locator(tid("quick-copy")).check();
    await page.locator(tid("quick-save")).check();
    await until(async () => {
      const s = await call("GetSettings");
      return s.inputDevice === "test-speaker" && s.quickSilenceSeconds === 2 && s.quickCopy && s.quickSave;
    });
    const before = (await call("ListTranscripts", { text: "", language: "", level: "", from: "", to: "", limit: 0 })).length;

    // Record from the Transcribe view: the meter moves with the speech, and the recording stops by
    // itself after the 11 s of speech and 2 s of silence.
    await page.locator(tid("nav-transcribe")).click();
    const card = page.locator(tid("quick"));
    assert.equal(await card.getAttribute("data-phase"), "idle");
    assert.equal(await page.locator(`${tid("quick")} ${tid("mic-device")}`).inputValue(), "test-speaker");
    await page.locator(tid("quick-toggle")).click();
    await page.locator(`${tid("quick")}[data-phase="recording"]`).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="quick-meter"]')?.dataset.rms) > 20);
    await page.locator(`${tid("quick-elapsed")}:has-text("0:03")`).waitFor();
    // (The transcription itself can be too quick to see with the small test model.)
    await page.locator(`${tid("quick")}[data-phase="idle"] ${tid("quick-last")}`).waitFor({ timeout: 120_000 });
    await page.locator(`.toast:has-text("Quick recording transcribed")`).waitFor();

    const st = await call("QuickRecordStatus");
    assert.equal(st.last.error, "", JSON.stringify(st.last));
    assert.ok(st.last.saved && st.last.copied && st.last.transcriptId, JSON.stringify(st.last));
    const secs = st.last.duration / 1e9;
    assert.ok(secs > 11 && secs < 16, `recorded ${secs} s`);
    const t = await call("GetTranscript", st.last.transcriptId);
    assert.equal(t.level, "standard");
    const text = t.segments.map((s) => s.text).join("").trim();
    assert.ok(text.length > 0, "the quick recording has text");
    const desk = await (await fetch(new URL("api/test/desktop", url))).json();
    // The clipboard holds the segments' text joined by spaces (transcript.Text).
    assert.equal(desk.clipboard, t.segments.map((s) => s.text.trim()).filter(Boolean).join(" "));
    assert.ok(desk.notifications.length >= 1, "a notification said it was done");
    assert.ok(!desk.notifications.some((n) => n.body.includes(text.slice(0, 12))), "notifications never carry the text");
    const after = (await call("ListTranscripts", { text: "", language: "", level: "", from: "", to: "", limit: 0 })).length;
    assert.equal(after, before + 1);

    // The last recording opens in the editor; so does the tray's "last transcript".
    await page.locator(tid("quick-open")).click();
    await page.locator(tid("segment")).first().waitFor();
    await page.locator(tid("nav-library")).click();
    await post("api/test/show", st.last.transcriptId);
    await page.locator(tid("segment")).first().waitFor();

    // The silent microphone, with no silence timeout: the meter stays empty, and Stop ends the
    // recording.
    await page.locator(tid("nav-settings")).click();
    await page.locator(tid("quick-silence")).selectOption("0");
    await page.locator(tid("nav-transcribe")).click();
    await page.locator(`${tid("quick")} ${tid("mic-device")}`).selectOption("test-silent");
    await until(async () => {
      const s = await call("GetSettings");
      return s.inputDevice === "test-silent" && s.quickSilenceSeconds === 0;
    });
    await page.locator(tid("quick-toggle")).click();
    await page.locator(`${tid("quick")}[data-phase="recording"]`).waitFor();
    await page.locator(`${tid("quick-elapsed")}:has-text("0:01")`).waitFor();
    assert.equal(await page.locator(tid("quick-meter")).getAttribute("data-rms"), "0");
    await page.locator(tid("quick-toggle")).click();
    await page.locator(`${tid("quick")}[data-phase="idle"]`).waitFor({ timeout: 120_000 });
    await page.locator(tid("quick-last")).waitFor();
    // A microphone unplugged 3 s into the recording: what it heard is kept, transcribed and saved,
    // and the window says what happened.
    const mark = (await call("ListTranscripts", { text: "", language: "", level: "", from: "", to: "", limit: 0 })).length;
    await page.locator(`${tid("quick")} ${tid("mic-device")}`).selectOption("test-unplugged");
    await until(async () => (await call("GetSettings")).inputDevice === "test-unplugged");
    await page.locator(tid("quick-toggle")).click();
    await page.locator(`${tid("quick")}[data-phase="recording"]`).waitFor();
    await page.locator(`${tid("quick")}[data-phase="idle"]`).waitFor({ timeout: 120_000 });
    await page.locator(`${tid("quick-warning")}:has-text("microphone was disconnected")`).waitFor();
    const lost = (await call("QuickRecordStatus")).last;
    assert.ok(lost.saved && lost.duration / 1e9 >= 2.5 && lost.duration / 1e9 < 4, JSON.stringify(lost));
    assert.equal((await call("ListTranscripts", { text: "", language: "", level: "", from: "", to: "", limit: 0 })).length, mark + 1);

    await call("SaveSettings", { ...(await call("GetSettings")), inputDevice: "test-speaker" });
  });

  test("Ctrl+O opens the file dialog from any view and queues the chosen files", async () => {
    await page.locator(tid("nav-library")).click();
    const f = path.join(corpus, "librispeech_b.flac");
    await post("api/test/dialog/open", [f]);
    await page.keyboard.press("Control+o");
    await until(async () => (await call("Jobs")).some((j) => j.path === f));
    await page.locator(`${tid("job")}:has-text("librispeech_b.flac")`).waitFor(); // back on the queue
    await waitJob("librispeech_b.flac");
  });

  test("open the transcript, rename a speaker, export SRT", async () => {
    await page.locator(`${tid("job")}[data-state="done"]:has-text("stereo_two_speakers.wav") ${tid("job-open")}`).click();
    await page.locator(tid("segment")).first().waitFor();
    const t = await call("GetTranscript", stereoId);
    assert.equal(t.speakers.length, 2, "one speaker per channel");

    await page.locator(tid("speakers-toggle")).click();
    const name = page.locator(`${tid("speaker-name")}[data-speaker="S1"]`);
    await name.fill("Alice");
    await name.press("Enter");
    await name.blur();
    const s1 = page.locator(`${tid("segment-speaker")}`).first();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="segment-speaker"] option:checked')].some((o) => o.textContent === "Alice"));
    assert.ok(await s1.isVisible());
    await page.locator(`${tid("save-state")}:has-text("Saved")`).waitFor();
    await until(async () => {
      const t = await call("GetTranscript", stereoId);
      return t.speakers.some((s) => s.id === "S1" && s.name === "Alice");
    });

    const out = path.join(tmp, "export", "stereo.srt");
    await post("api/test/dialog/save", out);
    await page.locator(tid("export-open")).click();
    await page.locator(tid("format-srt")).check();
    await page.locator(tid("export-save")).click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="export-save"]'));
    const srt = fs.readFileSync(out, "utf8");
    assert.match(srt, /^1\r?\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\r?\n/);
    assert.match(srt, /Alice: /, "speaker names in the SRT");
    const cues = srt.trim().split(/\r?\n\r?\n/);
    assert.ok(cues.length >= 2, `${cues.length} cues`);
  });

  test("a Private transcript is unreadable and unsearchable while locked", async () => {
    // Set the vault password.
    await page.locator(tid("nav-settings")).click();
    await page.locator(tid("new-password")).fill("correct horse battery");
    await page.locator(tid("new-password2")).fill("correct horse battery");
    await page.locator(tid("set-password")).click();
    await until(async () => (await call("VaultStatus")).hasPassword);

    // Transcribe privately.
    await page.locator(tid("nav-transcribe")).click();
    await page.locator(tid("opt-channels")).uncheck();
    await page.locator(tid("level-private")).click();
    await until(async () => (await call("GetSettings")).level === "private");
    await dropAndQueue(path.join(corpus, "jfk.flac"));
    await waitJob("jfk.flac");
    await page.locator(`${tid("job")}[data-state="done"]:has-text("jfk.flac")`).waitFor();
    const job = (await call("Jobs")).find((j) => j.name === "jfk.flac" && j.state === "done");
    const id = job.transcriptId;
    const priv = await call("GetTranscript", id);
    assert.equal(priv.level, "private");
    // A fixed word found nowhere else: the generated test model's text is noise that Standard
    // transcripts share, so the private transcript gets this word through the editor's save.
    const word = "quokkazephyrine";
    priv.segments[0].text += " " + word;
    await call("SaveTranscript", priv);
    assert.ok((await call("GetTranscript", id)).segments[0].text.includes(word));
    // Unlocked: listed with its title and found by search.
    await page.locator(tid("nav-library")).click();
    const entry = page.locator(`${tid("entry")}[data-id="${id}"]`);
    await entry.waitFor();
    assert.equal(await entry.getAttribute("data-level"), "private");
    await page.locator(tid("library-search")).fill(word);
    // Found by the (debounced) search itself: this entry shows the word in its snippet.
    await page.locator(`${tid("entry")}[data-id="${id}"] ${tid("entry-snippet")}:has-text("${word}")`).waitFor();

    // Lock: the title and text are gone, search does not find it, Get fails.
    await page.locator(tid("library-search")).fill("");
    await page.locator(tid("vault-toggle")).click();
    await until(async () => (await call("VaultStatus")).locked);
    await page.locator(`${tid("entry")}[data-id="${id}"] ${tid("entry-title")}:has-text("Private transcript")`).waitFor();
    assert.equal(await entry.locator(tid("entry-snippet")).count(), 0);
    assert.equal(await entry.locator(tid("entry-preview")).count(), 0, "no preview of a locked Private transcript");
    await page.locator(`${tid("entry")}[data-id="${stereoId}"] ${tid("entry-preview")}`).waitFor(); // Standard ones keep theirs
    await assert.rejects(call("GetTranscript", id), /locked/i);
    await page.locator(tid("library-search")).fill(word);
    await page.locator(tid("locked-banner")).waitFor();
    await page.waitForFunction(
      (id) => !document.querySelector(`[data-testid="entry"][data-id="${id}"]`),
      id,
    );
    const hits = await call("ListTranscripts", { text: word, language: "", level: "", from: "", to: "", limit: 0 });
    assert.ok(!hits.some((e) => e.id === id), "locked search must not find the private transcript");
    // Nothing of the private text is in any file in the data folder (library.db, its WAL and SHM,
    // settings, logs), whether or not SQLite has checkpointed.
    const files = fs.readdirSync(home, { recursive: true }).map((f) => path.join(home, f)).filter((f) => fs.statSync(f).isFile());
    assert.ok(files.some((f) => path.basename(f) === "library.db"), `library.db among ${files}`);
    for (const f of files) {
      const bytes = fs.readFileSync(f).toString("latin1").toLowerCase();
      assert.ok(!bytes.includes(word), `${f} contains the private word "${word}"`);
    }

    // Unlock through the dialog: found again and readable.
    await page.locator(tid("vault-toggle")).click();
    await page.locator(tid("unlock-password")).fill("correct horse battery");
    await page.locator(tid("unlock-submit")).click();
    await until(async () => !(await call("VaultStatus")).locked);
    await entry.waitFor();
    await entry.locator("button.main").click();
    await page.locator(tid("segment")).first().waitFor();
    const text = await page.locator(tid("segment-text")).allTextContents();
    assert.ok(text.join(" ").toLowerCase().includes(word));
  });

  test("a long transcript renders only the visible rows", async () => {
    // 3,000 segments through the real library, then scrolled in the editor.
    const segs = Array.from({ length: 3000 }, (_, i) => ({
      start: i * 1e9, end: (i + 1) * 1e9, text: `line ${i + 1} of a long recording`, speaker: i % 2 ? "S2" : "S1",
    }));
    const base = await call("GetTranscript", stereoId);
    await call("SaveTranscript", { ...base, segments: segs, speakers: [{ id: "S1", name: "Alice" }, { id: "S2", name: "Bob" }] });
    await page.locator(tid("nav-library")).click();
    await page.locator(`${tid("entry")}[data-id="${stereoId}"] button.main`).click();
    const list = page.locator(tid("segments"));
    await list.waitFor();
    assert.equal(await list.getAttribute("data-rows"), "3000");
    const rendered = await page.locator(tid("segment")).count();
    assert.ok(rendered > 5 && rendered < 80, `${rendered} rows in the DOM`);
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.locator(`${tid("segment")}[data-index="2999"]`).waitFor();
    assert.ok((await page.locator(tid("segment")).count()) < 80);
  });

  test("cloud backup: sign up in Settings, sync, see the status", async () => {
    assert.ok(backupServer, "the dev server printed no backup server");
    await page.locator(tid("nav-settings")).click();
    const toggle = page.locator(tid("cloud-backup"));
    assert.equal(await toggle.isChecked(), false, "cloud backup must be off by default");
    await toggle.check();
    await until(async () => (await call("GetSettings")).cloudBackup === true);
    await page.locator(tid("backup-server")).fill(backupServer.url);
    await page.locator(tid("backup-fingerprint")).fill(backupServer.fingerprint.toUpperCase().match(/../g).join(":"));
    const oldPassword = "correct horse battery staple";
    const newPassword = "staple battery horse correct";
    const acct = { server: backupServer.url, fingerprint: backupServer.fingerprint, email: "alice@example.org" };
    await page.locator(tid("backup-email")).fill(acct.email);
    await page.locator(tid("backup-password")).fill(oldPassword);
    await page.locator(tid("backup-signup")).click();
    // The first sync runs by itself and uploads the library.
    await page.locator(`${tid("backup-report")}:has-text("uploaded")`).waitFor({ timeout: 60_000 });
    const entries = await call("ListTranscripts", { text: "", language: "", level: "", from: "", to: "", limit: 0 });
    const st = await call("BackupStatus");
    assert.ok(st.enabled && st.email === "alice@example.org" && !st.lastError, JSON.stringify(st));
    assert.ok(st.lastReport.pushed + st.lastReport.skipped === entries.length, JSON.stringify(st.lastReport));
    await page.locator(`${tid("backup-devices")}:has-text("this device")`).waitFor();
    // Sync now: nothing left to do.
    await page.locator(tid("backup-sync")).click();
    await page.locator(`${tid("backup-report")}:has-text("up to date")`).waitFor();
    await page.locator(`${tid("backup-state")}:has-text("Last synced")`).waitFor();
    // Change the password: submit stays disabled until the form is filled and the new ones match.
    const changeBtn = page.locator(tid("backup-changepw"));
    await page.locator(tid("backup-oldpw")).fill(oldPassword);
    await page.locator(tid("backup-newpw")).fill(newPassword);
    await page.locator(tid("backup-newpw2")).fill(newPassword + "x");
    assert.equal(await changeBtn.isDisabled(), true, "change password enabled while the new passwords differ");
    await page.locator(tid("backup-newpw2")).fill(newPassword);
    await until(async () => !(await changeBtn.isDisabled()));
    await changeBtn.click();
    await page.locator(`.toast:has-text("Backup password changed")`).waitFor();
    await until(async () => (await page.locator(tid("backup-oldpw")).inputValue()) === "");
    assert.equal((await call("BackupStatus")).enabled, true, "backup off after changing the password");
    // Sign out: backup off again, the library stays.
    await page.locator(tid("backup-signout")).click();
    await until(async () => (await call("GetSettings")).cloudBackup === false);
    await page.locator(tid("backup-status")).waitFor({ state: "detached" });
    await page.waitForFunction(() => !document.querySelector('[data-testid="cloud-backup"]').checked);
    assert.equal((await call("BackupStatus")).enabled, false);
    assert.equal((await call("ListTranscripts", { text: "", language: "", level: "", from: "", to: "", limit: 0 })).length, entries.length);
    // The new password signs in, the old one no longer does; sign out again to leave backup off.
    await assert.rejects(call("BackupSignIn", { ...acct, password: oldPassword }), /wrong password/i);
    const again = await call("BackupSignIn", { ...acct, password: newPassword });
    assert.ok(again.enabled && again.email === acct.email, JSON.stringify(again));
    await call("BackupSignOut");
    await until(async () => (await call("GetSettings")).cloudBackup === false && !(await call("BackupStatus")).enabled);
    await page.locator(tid("backup-status")).waitFor({ state: "detached" });
  });

  test("compute device: the picker lists lavapipe (Vulkan) and the CPU; a job on each records its device", async () => {
    await page.locator(tid("nav-settings")).click();
    const picker = page.locator(tid("device-picker"));
    await picker.waitFor();
    await until(async () => (await picker.locator("option").count()) >= 3);
    const options = await picker.locator("option").evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent })));
    const vk = options.find((o) => /^Vulkan\d+$/.test(o.value));
    assert.ok(vk && /llvmpipe/.test(vk.text), `no lavapipe device among ${JSON.stringify(options)}`);
    assert.ok(options.some((o) => o.value === "cpu") && options.some((o) => o.value === "auto"), JSON.stringify(options));
    const devs = await call("ComputeDevices");
    assert.equal(devs.auto, vk.value, "auto must pick the working GPU");
    for (const [device, name] of [[vk.value, "device-vulkan.flac"], ["cpu", "device-cpu.flac"]]) {
      await picker.selectOption(device);
      await until(async () => (await call("GetSettings")).device === device);
      // A short clip: lavapipe runs whisper ~90x slower than the CPU backend.
      const file = path.join(tmp, name);
      fs.copyFileSync(path.join(corpus, "librispeech_a.flac"), file);
      await page.locator(tid("nav-transcribe")).click();
      await dropAndQueue(file);
      const job = await waitJob(name, 400_000);
      const want = device === "cpu" ? "CPU" : device;
      assert.equal(job.device, want, JSON.stringify(job));
      assert.equal(job.deviceNote, "", `unexpected fallback: ${job.deviceNote}`);
      assert.ok(job.speed > 0, `no speed recorded: ${JSON.stringify(job)}`);
      await page.locator(`${tid("job-device")}[data-device="${want}"]`).first().waitFor();
      await page.locator(tid("nav-settings")).click();
    }
  });
});
