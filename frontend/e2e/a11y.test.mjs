// axe-core on every view and dialog, light and dark, colour contrast included; and a keyboard-only
// journey (transcribe, edit, export, lock, unlock). node --test e2e/a11y.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { knownTranscript, start, tid } from "./harness.mjs";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let h, page, id;

before(async () => {
  h = await start();
  page = h.page;
  [id] = await h.transcribe(path.join(h.corpus, "jfk.flac"));
  await knownTranscript(h, id);
});
after(async () => h?.stop());

/** axe runs axe-core on the page and records every violation; check() fails with all of them. */
let found = [];
function check() {
  const all = found;
  found = [];
  assert.equal(all.length, 0, `axe violations:\n${all.join("\n")}`);
}
async function axe(name) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1, 3).join(" ")}`) }));
  });
  for (const v of res) found.push(`${name}: ${v.id} (${v.help})\n    ${v.nodes.join("\n    ")}`);
}

const settle = () => page.waitForTimeout(250); // transitions (opacity) end

async function everyView(scheme) {
  await page.emulateMedia({ colorScheme: scheme });
  await page.locator(tid("nav-transcribe")).click();
  await page.locator(`${tid("job")}[data-state="done"]`).first().waitFor();
  await settle();
  await axe(`${scheme} transcribe`);

  await page.locator(tid("nav-library")).click();
  await page.locator(`${tid("entry")}[data-id="${id}"]`).waitFor();
  await settle();
  await axe(`${scheme} library`);
  await page.locator(tid("library-search")).fill("fellow country");
  await page.locator(tid("entry-hit")).first().waitFor();
  await settle();
  await axe(`${scheme} library search`);
  await page.locator(tid("select-all")).check();
  await page.locator(tid("batch-delete")).click();
  await page.locator(tid("delete-dialog")).waitFor();
  await settle();
  await axe(`${scheme} delete dialog`);
  await page.keyboard.press("Escape");
  await page.locator(tid("select-all")).uncheck();
  await page.locator(tid("library-search")).fill("");

  await page.locator(`${tid("entry")}[data-id="${id}"] button.main`).click();
  await page.locator(tid("segment")).first().waitFor();
  await page.keyboard.press("Control+f");
  await page.locator(tid("find-input")).fill("fellow");
  await page.locator(tid("find-input")).press("Enter");
  await page.locator(tid("speakers-toggle")).click();
  await page.locator(tid("segment-text")).first().focus();
  await settle();
  await axe(`${scheme} editor`);
  await page.locator(tid("export-open")).click();
  await page.locator(tid("export-dialog")).waitFor();
  await page.locator(tid("format-txt")).waitFor();
  await settle();
  await axe(`${scheme} export dialog`);
  await page.keyboard.press("Escape");
  const row = page.locator(tid("segment")).first();
  await row.hover();
  await row.locator(tid("segment-merge")).click();
  await page.locator(tid("merge-conflict")).waitFor();
  await settle();
  await axe(`${scheme} merge dialog`);
  await page.keyboard.press("Escape");
  await row.hover();
  await row.locator(tid("segment-times")).click();
  await page.locator(tid("times-dialog")).waitFor();
  await settle();
  await axe(`${scheme} times dialog`);
  await page.keyboard.press("Escape");
  await page.locator(tid("speakers-toggle")).click();
  await page.keyboard.press("Escape");

  await page.locator(tid("nav-settings")).click();
  await page.locator(tid("vault-settings")).waitFor();
  await page.locator(tid("new-password")).fill("short");
  await settle();
  await axe(`${scheme} settings`);
  await page.locator(tid("new-password")).fill("");
  await page.locator(tid("wipe-open")).click();
  await page.locator(tid("wipe-confirm")).waitFor();
  await settle();
  await axe(`${scheme} delete-all dialog`);
  await page.keyboard.press("Escape");
  check();
}

/** tabTo presses Tab (or Shift+Tab) until the element with data-testid `want` has focus. */
async function tabTo(want, { back = false, max = 120, near = "" } = {}) {
  for (let k = 0; k < max; k++) {
    const ok = await page.evaluate(([want, near]) => {
      const el = document.activeElement;
      return !!el && el.getAttribute("data-testid") === want && (!near || !!el.closest(near));
    }, [want, near]);
    if (ok) return;
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
  }
  throw new Error(`Tab never reached ${want}; focus is on ${await h.focused()}`);
}

describe("keyboard only", { concurrency: 1 }, () => {
  test("transcribe a file, edit, export, set a password, lock and unlock without the mouse", async () => {
    // Transcribe: Ctrl+O, the file dialog answers, the job runs; Tab to its Open button.
    const file = path.join(h.corpus, "librispeech_b.flac");
    await h.post("api/test/dialog/open", [file]);
    await page.keyboard.press("Control+o");
    await h.until(async () => (await h.call("Jobs")).some((j) => j.path === file && j.state === "done"), 240_000);
    const job = (await h.call("Jobs")).find((j) => j.path === file);
    await page.locator(`${tid("job")}[data-job="${job.id}"][data-state="done"]`).waitFor();
    await tabTo("job-open", { near: `[data-job="${job.id}"]` });
    await page.keyboard.press("Enter");
    await page.locator(tid("segment")).first().waitFor();
    // Edit: Tab to the first segment's text and type.
    await tabTo("segment-text");
    await page.keyboard.press("End");
    await page.keyboard.type(" Typed by keyboard.");
    await page.keyboard.press("Control+s");
    await h.until(async () => (await h.call("GetTranscript", job.transcriptId)).segments[0].text.endsWith("Typed by keyboard."));
    // Export: Tab back to Export, choose TXT with the arrow keys, save.
    await tabTo("export-open", { back: true });
    await page.keyboard.press("Enter");
    await page.locator(tid("export-dialog")).waitFor();
    const out = path.join(h.tmp, "kbd", "out.txt");
    await h.post("api/test/dialog/save", out);
    await page.locator(tid("format-txt")).waitFor();
    for (let k = 0; k < 10 && !(await page.locator(tid("format-txt")).isChecked()); k++) {
      await tabTo(await page.evaluate(() => document.querySelector('[data-testid="export-dialog"] input[type=radio]:checked')?.getAttribute("data-testid")));
      await page.keyboard.press("ArrowDown");
    }
    await tabTo("export-save");
    await page.keyboard.press("Enter");
    await page.locator(tid("export-dialog")).waitFor({ state: "detached" });
    await h.until(async () => fs.existsSync(out));
    assert.match(fs.readFileSync(out, "utf8"), /Typed by keyboard\./);
    // Settings: set the vault password.
    await tabTo("nav-settings", { back: true });
    await page.keyboard.press("Enter");
    await tabTo("new-password");
    await page.keyboard.type("correct horse battery");
    await tabTo("new-password2");
    await page.keyboard.type("correct horse battery");
    await tabTo("set-password");
    await page.keyboard.press("Enter");
    await h.until(async () => (await h.call("VaultStatus")).hasPassword);
    // Lock, then unlock through the dialog.
    await tabTo("vault-toggle", { back: true });
    await page.keyboard.press("Enter");
    await h.until(async () => (await h.call("VaultStatus")).locked);
    await page.keyboard.press("Enter"); // focus stayed on the toggle: it now opens Unlock
    await page.locator(tid("unlock-dialog")).waitFor();
    assert.equal(await h.focused(), "unlock-password");
    await page.keyboard.type("correct horse battery");
    await page.keyboard.press("Enter");
    await h.until(async () => !(await h.call("VaultStatus")).locked);
    await page.locator(tid("unlock-dialog")).waitFor({ state: "detached" });
    assert.equal(await h.focused(), "vault-toggle", "focus went back to the vault button");
  });
});

describe("axe-core", { concurrency: 1 }, () => {
  test("every view and dialog, light", () => everyView("light"));
  test("every view and dialog, dark", () => everyView("dark"));
  test("the unlock dialog and a locked library, light and dark", async () => {
    if (!(await h.call("VaultStatus")).hasPassword) await h.call("SetPassword", "correct horse battery");
    await h.call("SetLevel", id, "private");
    await h.call("Lock");
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.locator(tid("nav-library")).click();
      await page.locator(`${tid("entry")}[data-id="${id}"] ${tid("entry-title")}:has-text("Private transcript")`).waitFor();
      await settle();
      await axe(`${scheme} locked library`);
      await page.locator(tid("vault-toggle")).click();
      await page.locator(tid("unlock-dialog")).waitFor();
      await settle();
      await axe(`${scheme} unlock dialog`);
      await page.keyboard.press("Escape");
    }
    check();
    await h.call("Unlock", "correct horse battery");
    await h.call("SetLevel", id, "standard");
  });
});
