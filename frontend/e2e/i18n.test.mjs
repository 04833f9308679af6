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

test("the editor in each language (screenshots in $HUSHSCRIBE_SCREENSHOTS when set)", async () => {
  const dir = process.env.HUSHSCRIBE_SCREENSHOTS;
  const heading = { en: "Library", de: "Bibliothek", fr: "Bibliothèque", es: "Biblioteca", it: "Libreria", pt: "Biblioteca" };
  const exportWord = { en: "Export", de: "Exportieren", fr: "Exporter", es: "Exportar", it: "Esporta", pt: "Exportar" };
  for (const lang of ["en", "de", "fr", "es", "it", "pt"]) {
    await page.locator(tid("nav-settings")).click();
    await page.locator(tid("ui-language")).selectOption(lang);
    await page.locator(`${tid("nav-library")}:has-text("${heading[lang]}")`).waitFor();
    await page.locator(tid("nav-library")).click();
    await page.locator(`${tid("entry")}[data-id="${id}"] button.main`).click();
    await page.locator(`${tid("export-open")}:has-text("${exportWord[lang]}")`).waitFor();
    await page.locator(tid("segment")).first().waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
    if (dir) await page.screenshot({ path: path.join(dir, `editor-${lang}.png`) });
  }
  await page.locator(tid("nav-settings")).click();
  await page.locator(tid("ui-language")).selectOption("");
});
