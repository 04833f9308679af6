// The editor's traps and playback (issue 12), against the real backend: node --test e2e/editor.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { knownTranscript, start, tid } from "./harness.mjs";

let h, page, id;

before(async () => {
  h = await start();
  page = h.page;
  [id] = await h.transcribe(path.join(h.corpus, "jfk.flac"));
});
after(async () => h?.stop());

async function openEditor(n = 11, step = 1) {
  await knownTranscript(h, id, { n, step });
  await page.locator(tid("nav-library")).click();
  await page.locator(tid("nav-transcribe")).click();
  await page.locator(tid("nav-library")).click();
  await page.locator(`${tid("entry")}[data-id="${id}"] button.main`).click();
  await page.locator(`${tid("segments")}[data-rows="${n}"]`).waitFor();
  await page.locator(tid("segment")).first().waitFor();
}

const segCount = () => page.locator(tid("segments")).getAttribute("data-rows").then(Number);

describe("editor traps", { concurrency: 1 }, () => {
  test("Enter in Find only moves between matches; it never splits a segment", async () => {
    await openEditor();
    await page.locator(tid("segment-text")).first().click();
    await page.keyboard.press("Control+f");
    const find = page.locator(tid("find-input"));
    await find.fill("fellow");
    for (let k = 0; k < 4; k++) await find.press("Enter");
    assert.equal(await segCount(), 11, "a segment was split");
    assert.equal(await h.focused(), "find-input", "focus left the Find field");
    await page.locator(`${tid("find-count")}:has-text("4 of")`).waitFor();
    // The current match is marked in its row.
    assert.ok(await page.locator(`${tid("segment")}[data-hit]`).count() === 1);
    await find.press("Shift+Enter");
    await page.locator(`${tid("find-count")}:has-text("3 of")`).waitFor();
    // Escape closes Find and focus goes back to the Find button.
    await find.press("Escape");
    assert.equal(await h.focused(), "find-toggle");
    assert.equal(await segCount(), 11);
  });

  test("a plain Enter in a segment does nothing; Ctrl+Enter and the Split button split", async () => {
    await openEditor();
    const text = page.locator(tid("segment-text")).first();
    await text.click();
    await page.keyboard.press("Home");
    for (let k = 0; k < 3; k++) await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Enter");
    assert.equal(await segCount(), 11);
    assert.equal(await text.textContent(), "and so my fellow1");
    await page.keyboard.press("Control+Enter");
    await page.locator(`${tid("segments")}[data-rows="12"]`).waitFor();
    assert.equal(await page.locator(tid("segment-text")).first().textContent(), "and");
    await page.locator(tid("undo")).click();
    await page.locator(`${tid("segments")}[data-rows="11"]`).waitFor();
  });

  test("merging two speakers' segments asks whose they are; Cancel keeps both", async () => {
    await openEditor();
    const row = page.locator(tid("segment")).first();
    await row.hover();
    const mergeBtn = row.locator(tid("segment-merge"));
    await mergeBtn.click();
    const dlg = page.locator(tid("merge-conflict"));
    await dlg.waitFor();
    assert.match(await dlg.textContent(), /Alice.*Bob/s);
    assert.equal(await h.focused(), "merge-keep-first", "the dialog took focus");
    await page.keyboard.press("Escape");
    await dlg.waitFor({ state: "detached" });
    assert.equal(await segCount(), 11, "Escape merged anyway");
    // Focus goes back once the dialog has unmounted (a frame later on a loaded machine).
    await h.until(async () => (await h.focused()) === "segment-merge", 5_000).catch(() => {});
    assert.equal(await h.focused(), "segment-merge", "focus went back to the Merge button");
    // Now choose Bob: the merged segment is Bob's.
    await mergeBtn.click();
    await page.locator(tid("merge-keep-second")).click();
    await page.locator(`${tid("segments")}[data-rows="10"]`).waitFor();
    await h.until(async () => {
      const t = await h.call("GetTranscript", id);
      return t.segments.length === 10 && t.segments[0].speaker === "S2" && t.segments[0].text.startsWith("and so my fellow1 so my");
    });
    // Backspace at the start of a segment asks too.
    const second = page.locator(tid("segment-text")).nth(1); // Bob's row after the merge was S2; next is S1
    await second.click();
    await page.keyboard.press("Home");
    await page.keyboard.press("Backspace");
    await page.locator(tid("merge-conflict")).waitFor();
    await page.locator(tid("merge-cancel")).click();
    assert.equal(await segCount(), 10);
  });

  test("Up and Down move between segments", async () => {
    await openEditor();
    await page.locator(tid("segment-text")).first().click();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    const idx = await page.evaluate(() => document.activeElement?.closest('[data-testid="segment"]')?.getAttribute("data-index"));
    assert.equal(idx, "2");
    await page.keyboard.press("ArrowUp");
    assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid="segment"]')?.getAttribute("data-index")), "1");
  });

  test("segment times are shown and edited to the tenth of a second", async () => {
    await openEditor();
    const row = page.locator(tid("segment")).nth(1);
    await row.hover();
    await row.locator(tid("segment-times")).click();
    const start = page.locator(tid("times-start"));
    assert.equal(await h.focused(), "times-start");
    assert.equal(await start.inputValue(), "0:01.0");
    await start.fill("0:01.3");
    await page.locator(tid("times-end")).fill("0:01.2");
    await page.locator(tid("times-save")).click();
    await page.locator(`${tid("times-error")}:has-text("end after")`).waitFor();
    await page.locator(tid("times-end")).fill("0:01.9");
    await page.locator(tid("times-save")).click();
    await page.locator(tid("times-dialog")).waitFor({ state: "detached" });
    await h.until(async () => {
      const s = (await h.call("GetTranscript", id)).segments[1];
      return s.start === 1.3e9 && s.end === 1.9e9;
    });
    assert.match(await row.locator(tid("segment-time")).textContent(), /0:01\.3/);
  });
});

describe("playback", () => {
  const audioState = () =>
    page.evaluate(() => {
      const a = document.querySelector('[data-testid="player"]');
      return { t: a.currentTime, paused: a.paused, rate: a.playbackRate };
    });

  test("the current word is highlighted and the list follows the playhead", async () => {
    // 44 quarter-second segments: taller than the window.
    await openEditor(44, 0.25);
    await page.locator(tid("player")).evaluate((a) => new Promise((r) => (a.readyState >= 1 ? r() : a.addEventListener("loadedmetadata", r, { once: true }))));
    await page.locator(tid("speed")).selectOption("2");
    assert.equal((await audioState()).rate, 2);
    await page.locator(tid("player")).evaluate((a) => a.play());
    // A segment beyond the first screen becomes active and is scrolled into view.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="segment"].active')?.dataset.index) >= 25, null, { timeout: 20_000 });
    const inView = await page.evaluate(() => {
      const row = document.querySelector('[data-testid="segment"].active');
      const list = document.querySelector('[data-testid="segments"]');
      const r = row.getBoundingClientRect();
      const l = list.getBoundingClientRect();
      return r.top >= l.top - 1 && r.bottom <= l.bottom + 1 && list.scrollTop > 0;
    });
    assert.ok(inView, "the playing segment is not in view");
    // The playing word is marked.
    const w = await page.locator(`${tid("segment")}.active`).getAttribute("data-word");
    assert.ok(Number(w) >= 0, `current word ${w}`);
    // The person scrolls: following pauses and offers to go back.
    await page.locator(tid("segments")).hover();
    await page.mouse.wheel(0, -3000);
    await page.locator(tid("follow")).waitFor();
    await page.locator(tid("player")).evaluate((a) => a.pause());
  });

  test("the waveform is drawn from the file and a click on it seeks", async () => {
    await openEditor();
    const wave = page.locator(tid("waveform"));
    await wave.waitFor();
    assert.equal(await wave.getAttribute("data-peaks"), "800");
    const box = await wave.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await h.until(async () => Math.abs((await audioState()).t - 5.5) < 0.3); // jfk.flac is 11 s
  });

  test("clicking a word moves the playhead to it", async () => {
    await openEditor();
    const text = page.locator(tid("segment-text")).nth(3); // words at 3.0, 3.25, 3.5, 3.75 s
    const box = await text.boundingBox();
    // Click near the end of the text: the last word.
    const last = await text.evaluate((el) => {
      const r = document.createRange();
      const n = el.firstChild;
      r.setStart(n, n.textContent.length - 2);
      r.setEnd(n, n.textContent.length - 1);
      const b = r.getBoundingClientRect();
      return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    });
    assert.ok(box);
    await page.mouse.click(last.x, last.y);
    await h.until(async () => Math.abs((await audioState()).t - 3.75) < 0.05);
  });

  test("speed, skip and shortcuts work while typing in a segment", async () => {
    await openEditor();
    const text = page.locator(tid("segment-text")).nth(2);
    await text.click();
    const before = await text.textContent();
    // (The click itself moved the playhead to the clicked word; start from 2 s.)
    await page.locator(tid("player")).evaluate((a) => { a.currentTime = 2; });
    await page.keyboard.press("Control+ArrowRight");
    await h.until(async () => Math.abs((await audioState()).t - 7) < 0.3);
    await page.keyboard.press("Control+ArrowLeft");
    await h.until(async () => Math.abs((await audioState()).t - 2) < 0.3);
    await page.keyboard.press("Control+.");
    assert.equal((await audioState()).rate, 1.25);
    await page.keyboard.press("Control+,");
    await page.keyboard.press("Control+,");
    assert.equal((await audioState()).rate, 0.75);
    assert.equal(await page.locator(tid("speed")).inputValue(), "0.75");
    await page.keyboard.press("Control+Space");
    await h.until(async () => !(await audioState()).paused);
    await page.keyboard.press("Control+Space");
    await h.until(async () => (await audioState()).paused);
    assert.equal(await text.textContent(), before, "a shortcut typed into the text");
    assert.equal(await h.focused(), "segment-text", "focus left the text");
    // The skip buttons.
    await page.locator(tid("skip-forward")).click();
    const t = (await audioState()).t;
    await page.locator(tid("skip-back")).click();
    await h.until(async () => Math.abs((await audioState()).t - (t - 5)) < 0.3 || (t < 5 && (await audioState()).t < 0.3));
  });
});

describe("library search", () => {
  test("finds transcripts with all words anywhere, shows hits and lands on the hit with Find filled in", async () => {
    await knownTranscript(h, id); // segment i has words[(i+k) % 11], k = 0..3
    await page.locator(tid("nav-library")).click();
    await page.locator(tid("library-search")).fill("country fellow");
    const entry = page.locator(`${tid("entry")}[data-id="${id}"]`);
    await entry.locator(tid("entry-hits")).waitFor();
    // "fellow" is in segments 0-3 (as word 3..0) and 7-10 … count every segment with either word.
    const t = await h.call("GetTranscript", id);
    const want = t.segments.filter((s) => /\b(country|fellow)\b/i.test(s.text)).length;
    assert.match(await entry.locator(tid("entry-hits")).textContent(), new RegExp(`^${want} matching segments`));
    const hits = entry.locator(tid("entry-hit"));
    assert.equal(await hits.count(), 3);
    const firstSeg = t.segments.findIndex((s) => /\b(country|fellow)\b/i.test(s.text));
    assert.match(await hits.first().textContent(), new RegExp(`^0:0${firstSeg}`)); // segment i starts at i s
    assert.ok((await hits.first().locator("mark").count()) >= 1, "the words are highlighted");
    // A word missing from the transcript: nothing.
    await page.locator(tid("library-search")).fill("country zebra");
    await page.locator(`${tid("entry")}[data-id="${id}"]`).waitFor({ state: "detached" });
    // Open the second hit: the editor lands there with Find filled in.
    await page.locator(tid("library-search")).fill("country fellow");
    const second = entry.locator(tid("entry-hit")).nth(1);
    const seg = Number(await second.getAttribute("data-segment"));
    await second.click();
    await page.locator(tid("find-input")).waitFor();
    assert.match(await page.locator(tid("find-input")).inputValue(), /^(country|fellow)$/i);
    await page.locator(`${tid("segment")}[data-index="${seg}"][data-hit]`).waitFor();
    assert.equal(await h.focused(), "find-input");
  });
});

describe("layout", () => {
  test("the Find bar stays on one line at 1280 px, a 20-character speaker name fits, narrow windows collapse the sidebar", async () => {
    await openEditor();
    await page.keyboard.press("Control+f");
    const tops = await page.locator(".find > *").evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)));
    assert.ok(Math.max(...tops) - Math.min(...tops) <= 4, `the Find bar wraps: ${tops}`);
    const name = "Dr. Amelia Richards"; // 19 characters + 1
    await page.keyboard.press("Escape");
    await h.call("SaveTranscript", { ...(await h.call("GetTranscript", id)), speakers: [{ id: "S1", name: name + "n" }, { id: "S2", name: "Bob" }] });
    await page.locator(tid("nav-transcribe")).click();
    await page.locator(tid("nav-library")).click();
    await page.locator(`${tid("entry")}[data-id="${id}"] button.main`).click();
    const sel = page.locator(tid("segment-speaker")).first();
    await page.waitForFunction((n) => document.querySelector('[data-testid="segment-speaker"] option:checked')?.textContent === n, name + "n");
    const fits = await sel.evaluate((el) => {
      const cs = getComputedStyle(el);
      const c = document.createElement("canvas").getContext("2d");
      c.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const text = el.selectedOptions[0].textContent;
      return { text: c.measureText(text).width, room: el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16 };
    });
    assert.ok(fits.text <= fits.room, `a 20-character name is clipped: ${JSON.stringify(fits)}`);
    await page.setViewportSize({ width: 800, height: 700 });
    const sb = await page.locator("nav.sidebar").evaluate((el) => el.getBoundingClientRect().width);
    assert.ok(sb <= 60, `sidebar ${sb} px wide at 800 px`);
    assert.equal(await page.locator(tid("nav-library")).getAttribute("title"), "Library");
    await page.setViewportSize({ width: 1280, height: 820 });
  });
});
