// A Chromium window (headed, under the test's X server) with one focused textarea, the browser
// target of build/dictationtest.sh: its value is written to OUTFILE (replaced atomically) every
// 20 ms; "OUTFILE.clear" empties it.
//
// Usage: node browser.mjs OUTFILE   (CHROMIUM: the browser, default /usr/bin/chromium)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(path.resolve(import.meta.dirname, "../../frontend/package.json"));
const { chromium } = require("playwright-core");
const out = process.argv[2];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: false,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
    "--disable-quic", "--disable-component-update", "--disable-sync", "--window-position=0,400", "--window-size=800,300"],
});
const page = await browser.newPage();
await page.setContent(`<!doctype html><meta charset="utf-8"><title>dictation browser</title>
  <textarea id="t" style="width:90%;height:200px" autofocus></textarea>`);
await page.focus("#t");
let last = null;
for (;;) {
  try {
    if (fs.existsSync(out + ".clear")) {
      fs.rmSync(out + ".clear");
      await page.fill("#t", "");
      await page.focus("#t");
    }
    const v = await page.$eval("#t", (e) => e.value);
    if (v !== last) {
      fs.writeFileSync(out + ".tmp", v);
      fs.renameSync(out + ".tmp", out);
      last = v;
    }
  } catch (e) {
    console.error(e);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 20));
}
