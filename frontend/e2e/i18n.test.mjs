// The window follows the system language and the choice in Settings: node --test e2e/i18n.test.mjs
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { knownTranscript, start, tid } from "./harness.mjs";

let h, page, id;
before(async () => {
  h = await start({ locale: "de-DE" });
  page = h.page;
  [id] = await h.transcribe(path.join(h.corpus, "jfk.flac"));
  await knownTranscript(h, id);
});
after(async () => h?.stop());

test("a German system gets German; Settings switches to French and back to the system", async () => {
  await page.locator(`${tid("nav-library")}:has-text("Bibliothek")`).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "de");
  await page.locator(tid("nav-library")).click();
  await page.locator(`h1:has-text("Bibliothek")`).waitFor();
  await page.locator(`${tid("entry")}[data-id="${id}"] button.main`).click();
  await page.locator(`${tid("export-open")}:has-text("Exportieren")`).waitFor();
  assert.match(await page.locator(".sub").textContent(), /11 Abschnitte/);
  await page.locator(tid("nav-settings")).click();
  await page.locator(tid("ui-language")).selectOption("fr");
  await page.locator(`${tid("nav-library")}:has-text("Bibliothèque")`).waitFor();
  assert.equal((await h.call("GetSettings")).uiLanguage, "fr");
  await page.locator(tid("ui-language")).selectOption("");
  await page.locator(`${tid("nav-library")}:has-text("Bibliothek")`).waitFor();
});
