// The window's language, with i18next (https://www.i18next.com) holding the translations and doing
// interpolation and plurals (Intl.PluralRules). The language follows the system's (navigator
// languages) unless Settings chooses one; dates, numbers and durations use Intl for that language.
import i18next, { type i18n as I18next } from "i18next";
import en from "../locales/en";
import de from "../locales/de";
import fr from "../locales/fr";
import es from "../locales/es";
import it from "../locales/it";
import pt from "../locales/pt";
import { languageName as englishLanguageName } from "./languages";

export const locales = ["en", "de", "fr", "es", "it", "pt"] as const;
export type Locale = (typeof locales)[number];
export const resources = { en, de, fr, es, it, pt } as const;

/** Each language's own name, for the chooser. */
export const localeNames: Record<Locale, string> = { en: "English", de: "Deutsch", fr: "Français", es: "Español", it: "Italiano", pt: "Português" };

/** pickLocale returns the first supported language among the preferred ones ("de-AT" → "de"), else English. */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const p of preferred) {
    const base = p.toLowerCase().split(/[-_]/)[0] as Locale;
    if ((locales as readonly string[]).includes(base)) return base;
  }
  return "en";
}

function systemLanguages(): readonly string[] {
  if (typeof navigator === "undefined") return ["en"];
  return navigator.languages?.length ? navigator.languages : [navigator.language ?? "en"];
}

/** createI18n makes an i18next instance with every locale loaded (synchronously). */
export function createI18n(lng: Locale): I18next {
  const inst = i18next.createInstance();
  void inst.init({
    lng,
    fallbackLng: "en",
    resources: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, { translation: v }])),
    interpolation: { escapeValue: false }, // Svelte escapes text itself
    initAsync: false,
    returnNull: false,
  });
  return inst;
}

class I18n {
  /** chosen is the language picked in Settings, "" to follow the system. */
  chosen = $state<"" | Locale>("");
  system = pickLocale(systemLanguages());
  lang = $derived<Locale>(this.chosen || this.system);
  private inst = createI18n(this.system);

  /** t translates key; it re-runs wherever it is used when the language changes. */
  t = (key: string, opts?: Record<string, unknown>): string => {
    const lng = this.lang;
    return this.inst.t(key, { ...opts, lng }) as string;
  };

  /** choose sets the language ("" follows the system). */
  choose(l: string | undefined): void {
    this.chosen = (locales as readonly string[]).includes(l ?? "") ? (l as Locale) : "";
    if (typeof document !== "undefined") document.documentElement.lang = this.lang;
  }

  /** date formats an RFC 3339 time as a short local date and time in the window's language. */
  date = (iso: string): string => {
    if (!iso || iso.startsWith("0001-01-01")) return "";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return "";
    return new Intl.DateTimeFormat(this.lang, { dateStyle: "medium", timeStyle: "short" }).format(d);
  };

  /** languageName names a language code (e.g. a transcript's "de") in the window's language. */
  languageName = (code: string): string => {
    let name = "";
    try {
      name = new Intl.DisplayNames([this.lang], { type: "language" }).of(code) ?? "";
    } catch {
      name = "";
    }
    // Codes Intl does not know (whisper's "jw", "haw" on some engines) keep their English names.
    return name && name !== code ? name : englishLanguageName(code);
  };

  /** number formats a number in the window's language. */
  number = (n: number, digits = 0): string => new Intl.NumberFormat(this.lang, { maximumFractionDigits: digits }).format(n);

  /** duration formats nanoseconds as "1 h 2 min", "3 min 5 s", "45 s" with the language's unit names. */
  duration = (ns: number): string => formatDuration(ns, this.lang);
}

/** formatDuration is I18n.duration for a given language. */
export function formatDuration(ns: number, lang: string): string {
  const total = Number.isFinite(ns) && ns > 0 ? Math.round(ns / 1e9) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const unit = (v: number, u: "hour" | "minute" | "second") => new Intl.NumberFormat(lang, { style: "unit", unit: u, unitDisplay: "short" }).format(v);
  if (h > 0) return `${unit(h, "hour")} ${unit(m, "minute")}`;
  if (m > 0) return `${unit(m, "minute")} ${unit(s, "second")}`;
  return unit(s, "second");
}

export const i18n = new I18n();
export const t = i18n.t;
