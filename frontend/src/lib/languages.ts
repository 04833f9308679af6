// The languages whisper recognises, by ISO 639-1 code (the common ones first in the menu).
export const common = ["en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "ru", "uk", "tr", "ar", "hi", "ja", "ko", "zh"];

export const languages: Record<string, string> = {
  af: "Afrikaans", am: "Amharic", ar: "Arabic", as: "Assamese", az: "Azerbaijani", ba: "Bashkir",
  be: "Belarusian", bg: "Bulgarian", bn: "Bengali", bo: "Tibetan", br: "Breton", bs: "Bosnian",
  ca: "Catalan", cs: "Czech", cy: "Welsh", da: "Danish", de: "German", el: "Greek", en: "English",
  es: "Spanish", et: "Estonian", eu: "Basque", fa: "Persian", fi: "Finnish", fo: "Faroese",
  fr: "French", gl: "Galician", gu: "Gujarati", ha: "Hausa", haw: "Hawaiian", he: "Hebrew",
  hi: "Hindi", hr: "Croatian", ht: "Haitian Creole", hu: "Hungarian", hy: "Armenian", id: "Indonesian",
  is: "Icelandic", it: "Italian", ja: "Japanese", jw: "Javanese", ka: "Georgian", kk: "Kazakh",
  km: "Khmer", kn: "Kannada", ko: "Korean", la: "Latin", lb: "Luxembourgish", ln: "Lingala",
  lo: "Lao", lt: "Lithuanian", lv: "Latvian", mg: "Malagasy", mi: "Maori", mk: "Macedonian",
  ml: "Malayalam", mn: "Mongolian", mr: "Marathi", ms: "Malay", mt: "Maltese", my: "Myanmar",
  ne: "Nepali", nl: "Dutch", nn: "Nynorsk", no: "Norwegian", oc: "Occitan", pa: "Punjabi",
  pl: "Polish", ps: "Pashto", pt: "Portuguese", ro: "Romanian", ru: "Russian", sa: "Sanskrit",
  sd: "Sindhi", si: "Sinhala", sk: "Slovak", sl: "Slovenian", sn: "Shona", so: "Somali",
  sq: "Albanian", sr: "Serbian", su: "Sundanese", sv: "Swedish", sw: "Swahili", ta: "Tamil",
  te: "Telugu", tg: "Tajik", th: "Thai", tk: "Turkmen", tl: "Tagalog", tr: "Turkish", tt: "Tatar",
  uk: "Ukrainian", ur: "Urdu", uz: "Uzbek", vi: "Vietnamese", yi: "Yiddish", yo: "Yoruba",
  yue: "Cantonese", zh: "Chinese",
};

/** languageName returns the English name of a code, or the code itself. */
export function languageName(code: string): string {
  return languages[code] ?? code;
}

/** others returns the codes not in common, sorted by name. */
export function others(): string[] {
  return Object.keys(languages)
    .filter((c) => !common.includes(c))
    .sort((a, b) => languages[a].localeCompare(languages[b]));
}
