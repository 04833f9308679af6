// Dialogs hold focus (issue 12, trap 3) and the library's batch tools, against the real backend:
//   node --test e2e/dialogs.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { start, tid } from "./harness.mjs";

let h, page, ids;

before(async () => {
  h = await start({ backupServer: true });
  page = h.page;
  ids = await h.transcribe(path.join(h.corpus, "jfk.flac"), path.join(h.corpus, "librispeech_b.flac"));
});
after(async () => h?.stop());

/** checkTrap opens a dialog with `open`, then checks focus, Tab/Shift+Tab cycling, Escape and return. */
async function checkTrap(opener, dialogId, firstField) {
  await page.locator(opener).focus();
  await page.keyboard.press("Enter"); // opened from the keyboard, as a keyboard user would
  const dlg = page.locator(tid(dialogId));
  await dlg.waitFor();
  if (firstField) await h.until(async () => (await h.focused()) === firstField, 5_000);
  const inside = () => page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.contains(document.activeElement), dialogId);
  assert.ok(await inside(), `${dialogId}: focus is not in the dialog but on ${await h.focused()}`);
  for (let k = 0; k < 12; k++) {
    await page.keyboard.press("Tab");
    assert.ok(await inside(), `${dialogId}: Tab ${k + 1} left the dialog for ${await h.focused()}`);
  }
  for (let k = 0; k < 5; k++) {
    await page.keyboard.press("Shift+Tab");
    assert.ok(await inside(), `${dialogId}: Shift+Tab ${k + 1} left the dialog for ${await h.focused()}`);
  }
  await page.keyboard.press("Escape");
  await dlg.waitFor({ state: "detached" });
  await h.until(async () => (await page.evaluate((sel) => document.activeElement === document.querySelector(sel), opener)), 5_000);
}

describe("wording", () => {
  test("the first vault password says 'set', with the rule and strength beside the field; locks after 15 minutes", async () => {
    await page.locator(tid("nav-settings")).click();
    await page.locator(tid("new-password")).fill("abc");
    await page.locator(`#pw-rules:has-text("At least 8 characters")`).waitFor();
    await page.locator(`${tid("pw-strength")}:has-text("Too short")`).waitFor();
    await page.locator(tid("new-password")).fill("correct horse battery");
    assert.ok(Number(await page.locator(tid("pw-strength")).getAttribute("data-score")) >= 3);
    await page.locator(tid("new-password2")).fill("correct horse battery");
    await page.locator(tid("set-password")).click();
    await page.locator(`.toast:has-text("Vault password set")`).waitFor();
    assert.equal(await page.locator(`.toast:has-text("Password changed")`).count(), 0);
    assert.equal((await h.call("VaultStatus")).idleMinutes, 15);
    assert.equal(await page.locator("#idle").inputValue(), "15");
  });
});

describe("dialogs", { concurrency: 1 }, () => {
  test("Export: first field focused, Tab trapped, Escape closes, focus back on Export", async () => {
    await page.locator(tid("nav-library")).click();
    await page.locator(`${tid("entry")}[data-id="${ids[0]}"] button.main`).click();
    await page.locator(tid("segment")).first().waitFor();
    await checkTrap(tid("export-open"), "export-dialog");
    assert.match(await h.focused(), /export-open/);
  });

  test("Delete all data: the confirmation field takes focus; Escape returns to the button", async () => {
    await page.locator(tid("nav-settings")).click();
    await checkTrap(tid("wipe-open"), "dialog", "wipe-confirm");
  });

  test("Library delete asks in a dialog (no browser confirm) and Cancel keeps the transcript", async () => {
    await page.locator(tid("nav-library")).click();
    const del = `${tid("entry")}[data-id="${ids[1]}"] ${tid("entry-delete")}`;
    await checkTrap(del, "delete-dialog", "delete-cancel");
    assert.equal((await h.call("ListTranscripts", { text: "", language: "", level: "", from: "", to: "", limit: 0 })).length, 2);
  });

  test("Unlock: password field focused, Escape returns; unlocking from a locked entry opens that entry", async () => {
    if (!(await h.call("VaultStatus")).hasPassword) await h.call("SetPassword", "correct horse battery");
    await h.call("SetLevel", ids[0], "private");
    await h.call("Lock");
    await page.locator(tid("nav-library")).click();
    await page.locator(`${tid("entry")}[data-id="${ids[0]}"] ${tid("entry-title")}:has-text("Private transcript")`).waitFor();
    await checkTrap(tid("vault-toggle"), "unlock-dialog", "unlock-password");
    // The locked entry: unlock, and the editor opens on it.
    await page.locator(`${tid("entry")}[data-id="${ids[0]}"] button.main`).click();
    await page.locator(tid("unlock-dialog")).waitFor();
    assert.equal(await h.focused(), "unlock-password");
    await page.keyboard.type("correct horse battery");
    await page.keyboard.press("Enter");
    await page.locator(tid("segment")).first().waitFor();
    assert.equal(await page.locator(tid("editor-title")).inputValue(), "jfk");
  });
});

describe("library", { concurrency: 1 }, () => {
  test("sort, multi-select, batch export to a ZIP and batch delete", async () => {
    await page.locator(tid("nav-library")).click();
    await page.locator(tid("entry")).nth(1).waitFor();
    await page.locator(tid("library-sort")).selectOption("title");
    const titles = await page.locator(tid("entry-title")).allTextContents();
    assert.deepEqual(titles, ["jfk", "librispeech_b"]);
    await page.locator(tid("library-sort")).selectOption("oldest");
    assert.deepEqual(await page.locator(tid("entry-title")).allTextContents(), ["jfk", "librispeech_b"]);
    await page.locator(tid("library-sort")).selectOption("newest");
    assert.deepEqual(await page.locator(tid("entry-title")).allTextContents(), ["librispeech_b", "jfk"]);

    await page.locator(tid("select-all")).check();
    const out = path.join(h.tmp, "export", "both.zip");
    await h.post("api/test/dialog/save", out);
    await page.locator(tid("batch-export")).click();
    await page.locator(tid("format-txt")).check();
    await page.locator(tid("export-save")).click();
    await page.locator(tid("export-dialog")).waitFor({ state: "detached" });
    const listing = execFileSync("python3", ["-c", "import sys,zipfile; print('\\n'.join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))", out]).toString().trim().split("\n");
    assert.deepEqual(listing, ["jfk.txt", "librispeech_b.txt"]);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600, "a ZIP with a Private transcript is readable only by the user");

    await page.locator(tid("batch-delete")).click();
    await page.locator(`${tid("delete-dialog")}:has-text("Delete 2 transcripts?")`).waitFor();
    await page.locator(tid("delete-go")).click();
    await h.until(async () => (await h.call("ListTranscripts", { text: "", language: "", level: "", from: "", to: "", limit: 0 })).length === 0);
  });
});

describe("queue", () => {
  test("queue rows show the audio length, time taken and speed; 'speaker per channel' per file", async () => {
    await page.locator(tid("nav-transcribe")).click();
    const row = page.locator(`${tid("job")}[data-state="done"]:has-text("jfk.flac")`);
    await row.waitFor();
    assert.match(await row.locator(tid("job-size")).textContent(), /11 sec of audio/);
    assert.match(await row.locator(tid("job-speed")).textContent(), /took \d+:\d\d/);
    assert.match(await row.textContent(), /[\d.]+× real time/); // here, or on the device line
    // The default is off; this one stereo file is redone with a speaker per channel.
    assert.equal((await h.call("GetSettings")).speakerPerChannel, false);
    const stereo = path.join(h.corpus, "stereo_two_speakers.wav");
    const [first] = await h.transcribe(stereo);
    assert.equal((await h.call("GetTranscript", first)).speakers?.length ?? 0, 0);
    const srow = page.locator(`${tid("job")}:has-text("stereo_two_speakers.wav")`);
    await srow.locator(tid("job-channels")).check();
    await h.until(async () => {
      const j = (await h.call("Jobs")).find((j) => j.path === stereo);
      return j.state === "done" && j.options.speakerPerChannel && j.transcriptId !== first;
    }, 240_000);
    const j = (await h.call("Jobs")).find((j) => j.path === stereo);
    assert.equal((await h.call("GetTranscript", j.transcriptId)).speakers.length, 2);
    assert.equal((await h.call("GetSettings")).speakerPerChannel, false, "the per-file choice changed the default");
  });

});

describe("backup wording", () => {
  test("a self-signed backup server without a pinned fingerprint suggests pinning it, not 'cannot be reached'", async () => {
    assert.ok(h.backupServer, "the dev server printed no backup server");
    const acct = { server: h.backupServer.url, fingerprint: "", email: "carol@example.org", password: "correct horse battery staple" };
    await assert.rejects(h.call("BackupSignIn", acct), /certificate|x509/i);
    await page.locator(tid("nav-settings")).click();
    const toggle = page.locator(tid("cloud-backup"));
    if (!(await toggle.isChecked())) await toggle.check();
    await page.locator(tid("backup-server")).fill(acct.server);
    await page.locator(tid("backup-email")).fill(acct.email);
    await page.locator(tid("backup-password")).fill(acct.password);
    await page.locator(tid("backup-signin")).click();
    const toast = page.locator(`.toast:has-text("fingerprint")`);
    await toast.waitFor();
    assert.doesNotMatch(await toast.textContent(), /cannot be reached/);
    await toggle.uncheck().catch(() => {});
  });
});
