// Every locale has every key of English (and no other), no empty or untranslated-looking value, the
// same {{placeholders}}, every plural form its language needs; and every key the source uses exists.
import { describe, expect, it } from "vitest";
import { createI18n, formatDuration, locales, pickLocale, resources } from "./i18n.svelte";

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const pluralSuffix = /_(zero|one|two|few|many|other)$/;
const base = (k: string) => k.replace(pluralSuffix, "");
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

const en = flatten(resources.en as unknown as Tree);

describe("translations", () => {
  for (const lang of locales) {
    it(`${lang} translates every key`, () => {
      const tr = flatten(resources[lang] as unknown as Tree);
      const cats = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
      const enBases = new Set([...en.keys()].map(base));
      const trBases = new Set([...tr.keys()].map(base));
      expect([...enBases].filter((k) => !trBases.has(k)), "missing keys").toEqual([]);
      expect([...trBases].filter((k) => !enBases.has(k)), "keys English lacks").toEqual([]);
      for (const [k, v] of tr) {
        expect(v.trim(), `${lang} ${k} is empty`).not.toBe("");
        const enText = en.get(k) ?? en.get(base(k) + "_other") ?? "";
        expect(placeholders(v), `${lang} ${k} placeholders`).toEqual(placeholders(enText));
      }
      // Plural keys have every category the language uses (French "many" for 1 000 000, …).
      for (const b of new Set([...en.keys()].filter((k) => pluralSuffix.test(k)).map(base))) {
        for (const c of cats) {
          if (c === "other" || tr.has(`${b}_${c}`) || (c === "one" && tr.has(`${b}_one`))) continue;
          throw new Error(`${lang}: ${b}_${c} is missing`);
        }
      }
    });
  }
  it("no language leaves a long English sentence untranslated", () => {
    for (const lang of locales.filter((l) => l !== "en")) {
      const tr = flatten(resources[lang] as unknown as Tree);
      const same = [...tr].filter(([k, v]) => v === en.get(k) && v.split(" ").length > 3).map(([k]) => k);
      expect(same, `${lang}: untranslated`).toEqual([]);
    }
  });
  it("every key used in the source exists in English", () => {
    // Vite reads the sources for the test (import.meta.glob with ?raw).
    const sources = import.meta.glob<string>(["../**/*.svelte", "../**/*.ts", "!../**/*.test.ts"], { query: "?raw", import: "default", eager: true });
    const used = new Set<string>();
    for (const text of Object.values(sources)) for (const m of text.matchAll(/\bt\("([a-zA-Z0-9_.]+)"/g)) used.add(m[1]);
    expect(used.size).toBeGreaterThan(50);
    const bases = new Set([...en.keys()].map(base));
    expect([...used].filter((k) => !bases.has(k))).toEqual([]);
  });
  it("translates with plurals and placeholders", () => {
    const i = createI18n("de");
    expect(i.t("library.hits", { count: 1 })).toBe("1 passender Abschnitt");
    expect(i.t("library.hits", { count: 3 })).toBe("3 passende Abschnitte");
    expect(i.t("editor.findBar.position", { current: 2, count: 5, lng: "fr" })).toBe("2 sur 5");
    expect(i.t("library.hits", { count: 1000000, lng: "fr" })).toBe("1000000 segments correspondants");
  });
  it("follows the system language and formats durations per language", () => {
    expect(pickLocale(["de-AT", "en"])).toBe("de");
    expect(pickLocale(["ja-JP", "pt-BR"])).toBe("pt");
    expect(pickLocale(["ja"])).toBe("en");
    expect(formatDuration(185e9, "en")).toBe("3 min 5 sec");
    expect(formatDuration(3725e9, "de")).toBe("1 Std. 2 Min.");
  });
});
