// Editor operations on a transcript's segments and speakers. Every operation is pure: it returns a
// new Doc and leaves its input untouched, which is what makes undo/redo (history.ts) a stack of docs.
// Times are nanoseconds, as Go sends them.

export interface Word {
  start: number;
  end: number;
  text: string;
  probability: number;
}

export interface Seg {
  key: number; // stable identity for rendering; not stored
  start: number;
  end: number;
  text: string;
  speaker?: string;
  words?: Word[];
  /** a repetition loop the recogniser could not get out of, kept once: check it against the audio */
  uncertain?: boolean;
}

export interface Speaker {
  id: string;
  name: string;
}

export interface Doc {
  segments: Seg[];
  speakers: Speaker[];
}

export class EditError extends Error {}

let nextKey = 1;
/** newKey returns a fresh segment key. */
export function newKey(): number {
  return nextKey++;
}

/** fromTranscript builds a Doc from the Go transcript's segments and speakers. */
export function fromTranscript(t: {
  segments: { start: number; end: number; text: string; speaker?: string; words?: Word[]; uncertain?: boolean }[] | null;
  speakers?: Speaker[] | null;
}): Doc {
  return {
    // whisper starts segment texts with a space; the editor shows and stores them trimmed.
    segments: (t.segments ?? []).map((s) => ({ ...s, text: s.text.trim(), key: newKey() })),
    speakers: (t.speakers ?? []).map((s) => ({ ...s })),
  };
}

/** toTranscript returns the segments and speakers in the Go shape (without keys). */
export function toTranscript(d: Doc) {
  return {
    segments: d.segments.map(({ key: _key, ...s }) => {
      const out: { start: number; end: number; text: string; speaker?: string; words?: Word[]; uncertain?: boolean } = {
        start: s.start,
        end: s.end,
        text: s.text,
      };
      if (s.speaker) out.speaker = s.speaker;
      if (s.words && s.words.length) out.words = s.words;
      if (s.uncertain) out.uncertain = true;
      return out;
    }),
    speakers: d.speakers.map((s) => ({ ...s })),
  };
}

function check(d: Doc, i: number) {
  if (!Number.isInteger(i) || i < 0 || i >= d.segments.length) throw new EditError(`no segment ${i + 1}`);
}

function replaceAt(d: Doc, i: number, ...segs: Seg[]): Seg[] {
  const out = d.segments.slice();
  out.splice(i, 1, ...segs);
  return out;
}

/** editText replaces segment i's text. */
export function editText(d: Doc, i: number, text: string): Doc {
  check(d, i);
  if (d.segments[i].text === text) return d;
  // Word timings no longer match edited text; keep them only while the words are unchanged.
  // Editing the text is the user's check of an uncertain span: the mark goes.
  const seg = { ...d.segments[i], text };
  delete seg.uncertain;
  if (seg.words && seg.words.map((w) => w.text).join("").trim() !== text.trim()) delete seg.words;
  return { ...d, segments: replaceAt(d, i, seg) };
}

/** speakerName returns the display name of a speaker id. */
export function speakerName(d: Doc, id: string | undefined): string {
  if (!id) return "";
  const s = d.speakers.find((s) => s.id === id);
  return s && s.name ? s.name : id;
}

/** renameSpeaker renames a speaker everywhere it appears. */
export function renameSpeaker(d: Doc, id: string, name: string): Doc {
  name = name.trim();
  if (!name) throw new EditError("a speaker needs a name");
  const i = d.speakers.findIndex((s) => s.id === id);
  if (i < 0) throw new EditError(`no speaker ${id}`);
  if (d.speakers[i].name === name) return d;
  const speakers = d.speakers.slice();
  speakers[i] = { ...speakers[i], name };
  return { ...d, speakers };
}

/** addSpeaker adds a speaker with a fresh id and returns the doc and the id. */
export function addSpeaker(d: Doc, name: string): { doc: Doc; id: string } {
  name = name.trim();
  if (!name) throw new EditError("a speaker needs a name");
  const ids = new Set(d.speakers.map((s) => s.id));
  let n = d.speakers.length + 1;
  while (ids.has(`S${n}`)) n++;
  const id = `S${n}`;
  return { doc: { ...d, speakers: [...d.speakers, { id, name }] }, id };
}

/** removeSpeaker deletes a speaker; its segments lose their speaker. */
export function removeSpeaker(d: Doc, id: string): Doc {
  if (!d.speakers.some((s) => s.id === id)) throw new EditError(`no speaker ${id}`);
  return {
    speakers: d.speakers.filter((s) => s.id !== id),
    segments: d.segments.map((s) => (s.speaker === id ? { ...s, speaker: undefined } : s)),
  };
}

/** assignSpeaker sets segment i's speaker ("" for none). */
export function assignSpeaker(d: Doc, i: number, id: string): Doc {
  check(d, i);
  if (id && !d.speakers.some((s) => s.id === id)) throw new EditError(`no speaker ${id}`);
  if ((d.segments[i].speaker ?? "") === id) return d;
  const seg = { ...d.segments[i], speaker: id || undefined };
  return { ...d, segments: replaceAt(d, i, seg) };
}

/**
 * split cuts segment i at character offset pos of its text. The cut time comes from the word
 * timings when the segment has them, otherwise it is proportional to the characters on each side.
 */
export function split(d: Doc, i: number, pos: number): Doc {
  check(d, i);
  const s = d.segments[i];
  const left = s.text.slice(0, pos).trimEnd();
  const right = s.text.slice(pos).trimStart();
  if (pos <= 0 || pos >= s.text.length || !left.trim() || !right.trim()) {
    throw new EditError("put the cursor inside the text to split there");
  }
  let cut: number | undefined;
  let lw: Word[] | undefined;
  let rw: Word[] | undefined;
  const joined = s.words?.map((w) => w.text).join("") ?? "";
  if (s.words && s.words.length > 1 && joined.trim() === s.text.trim()) {
    // offsets[k] is where word k's visible text begins in s.text.
    const shift = (joined.length - joined.trimStart().length) - (s.text.length - s.text.trimStart().length);
    let off = 0;
    const offsets = s.words.map((w) => {
      const o = off + (w.text.length - w.text.trimStart().length) - shift;
      off += w.text.length;
      return o;
    });
    const k = offsets.findIndex((o, j) => j > 0 && o >= pos);
    if (k > 0) {
      cut = s.words[k].start;
      lw = s.words.slice(0, k);
      rw = s.words.slice(k);
    }
  }
  if (cut === undefined) {
    const frac = pos / s.text.length;
    cut = Math.round(s.start + (s.end - s.start) * frac);
  }
  cut = Math.min(Math.max(cut, s.start), s.end);
  const a: Seg = { ...s, key: s.key, end: cut, text: left, words: lw };
  const b: Seg = { ...s, key: newKey(), start: cut, text: right, words: rw };
  if (!lw) delete a.words;
  if (!rw) delete b.words;
  return { ...d, segments: replaceAt(d, i, a, b) };
}

/** merge joins segment i with the one after it. */
export function merge(d: Doc, i: number): Doc {
  check(d, i);
  if (i + 1 >= d.segments.length) throw new EditError("there is no next segment to merge with");
  const a = d.segments[i];
  const b = d.segments[i + 1];
  const text = [a.text.trim(), b.text.trim()].filter(Boolean).join(" ");
  const seg: Seg = {
    key: a.key,
    start: Math.min(a.start, b.start),
    end: Math.max(a.end, b.end),
    text,
    speaker: a.speaker ?? b.speaker,
  };
  if (a.words?.length && b.words?.length) seg.words = [...a.words, ...b.words];
  if (!seg.speaker) delete seg.speaker;
  const segments = d.segments.slice();
  segments.splice(i, 2, seg);
  return { ...d, segments };
}

export interface Match {
  segment: number;
  index: number; // character offset in the segment's text
  length: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function matcher(query: string, caseSensitive: boolean, wholeWord: boolean): RegExp {
  let src = escapeRegExp(query);
  if (wholeWord) src = `(?<![\\p{L}\\p{N}_])${src}(?![\\p{L}\\p{N}_])`;
  return new RegExp(src, caseSensitive ? "gu" : "giu");
}

export interface FindOptions {
  caseSensitive?: boolean;
  wholeWord?: boolean;
}

/** find returns every match of query in segment order. */
export function find(d: Doc, query: string, opt: FindOptions = {}): Match[] {
  if (!query) return [];
  const re = matcher(query, !!opt.caseSensitive, !!opt.wholeWord);
  const out: Match[] = [];
  d.segments.forEach((s, i) => {
    for (const m of s.text.matchAll(re)) out.push({ segment: i, index: m.index ?? 0, length: m[0].length });
  });
  return out;
}

/** replaceAll replaces every match and returns the new doc and how many were replaced. */
export function replaceAll(d: Doc, query: string, replacement: string, opt: FindOptions = {}): { doc: Doc; count: number } {
  if (!query) return { doc: d, count: 0 };
  const re = matcher(query, !!opt.caseSensitive, !!opt.wholeWord);
  let count = 0;
  let changed = false;
  const segments = d.segments.map((s) => {
    let n = 0;
    const text = s.text.replace(re, () => {
      n++;
      return replacement;
    });
    if (n === 0) return s;
    count += n;
    changed = true;
    const seg = { ...s, text };
    delete seg.words;
    return seg;
  });
  return { doc: changed ? { ...d, segments } : d, count };
}

/** replaceMatch replaces one match (as returned by find on the same doc). */
export function replaceMatch(d: Doc, m: Match, replacement: string): Doc {
  check(d, m.segment);
  const t = d.segments[m.segment].text;
  return editText(d, m.segment, t.slice(0, m.index) + replacement + t.slice(m.index + m.length));
}

/** segmentAt returns the index of the segment playing at time t, or -1. */
export function segmentAt(d: Doc, t: number): number {
  let lo = 0;
  let hi = d.segments.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (d.segments[mid].start <= t) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best >= 0 && t > d.segments[best].end) return -1;
  return best;
}
