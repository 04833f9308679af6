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
  color?: string; // "#rrggbb" chosen by the user; otherwise the palette colour for its place
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

/**
 * editText replaces segment i's text. Word timings follow the edit: words that are still there keep
 * their times and confidence, typed-in words get times spread between their neighbours (see realign).
 */
export function editText(d: Doc, i: number, text: string): Doc {
  check(d, i);
  if (d.segments[i].text === text) return d;
  const seg = { ...d.segments[i], text };
  // Editing the text is the user's check of an uncertain span: the mark goes.
  delete seg.uncertain;
  if (seg.words?.length) {
    const w = realign(seg.words, text, seg.start, seg.end);
    if (w) seg.words = w;
    else delete seg.words;
  }
  return { ...d, segments: replaceAt(d, i, seg) };
}

/** groups joins whisper's word pieces into whitespace-separated words with their times. */
function groups(words: Word[]): Word[] {
  const out: Word[] = [];
  for (const w of words) {
    const t = w.text;
    if (!out.length || /^\s/.test(t) || !t.trim()) {
      if (!t.trim()) continue;
      out.push({ start: w.start, end: w.end, text: t.trim(), probability: w.probability });
    } else {
      const g = out[out.length - 1];
      g.text += t;
      g.end = w.end;
      g.probability = Math.min(g.probability, w.probability);
    }
  }
  return out;
}

const norm = (t: string) => t.toLocaleLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");

/**
 * realign gives the words of newText timings from the old words: each word of the new text that
 * matches an old one (longest common subsequence, ignoring case and punctuation) keeps the old
 * word's start, end and probability; new words share the time between the matched words around
 * them (probability 1: a person typed them). It returns undefined for empty text.
 */
export function realign(old: Word[], newText: string, segStart: number, segEnd: number): Word[] | undefined {
  const tokens = [...newText.matchAll(/(\s*)(\S+)/g)].map((m) => ({ lead: m[1], text: m[2] }));
  if (!tokens.length) return undefined;
  const prev = groups(old);
  const a = prev.map((w) => norm(w.text));
  const b = tokens.map((t) => norm(t.text));
  // LCS table.
  const n = a.length;
  const m = b.length;
  const L: number[][] = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let x = n - 1; x >= 0; x--)
    for (let y = m - 1; y >= 0; y--) L[x][y] = a[x] && a[x] === b[y] ? L[x + 1][y + 1] + 1 : Math.max(L[x + 1][y], L[x][y + 1]);
  const match: number[] = new Array(m).fill(-1);
  for (let x = 0, y = 0; x < n && y < m; ) {
    if (a[x] && a[x] === b[y]) {
      match[y] = x;
      x++;
      y++;
    } else if (L[x + 1][y] >= L[x][y + 1]) x++;
    else y++;
  }
  const out: Word[] = tokens.map((t, y) => {
    const k = match[y];
    return k >= 0
      ? { start: prev[k].start, end: prev[k].end, text: t.lead + t.text, probability: prev[k].probability }
      : { start: NaN, end: NaN, text: t.lead + t.text, probability: 1 };
  });
  // Fill each run of new words evenly between the matched words around it.
  for (let y = 0; y < m; ) {
    if (!Number.isNaN(out[y].start)) {
      y++;
      continue;
    }
    let z = y;
    while (z < m && Number.isNaN(out[z].start)) z++;
    const from = y > 0 ? out[y - 1].end : segStart;
    const to = z < m ? out[z].start : segEnd;
    const span = Math.max(0, to - from);
    for (let k = y; k < z; k++) {
      out[k].start = Math.round(from + (span * (k - y)) / (z - y));
      out[k].end = Math.round(from + (span * (k - y + 1)) / (z - y));
    }
    y = z;
  }
  return out;
}

/**
 * wordSpans returns, for each of a segment's words, where its visible text lies in seg.text
 * ([start, end) character offsets), or undefined when the words do not spell the text.
 */
export function wordSpans(s: Seg): { start: number; end: number }[] | undefined {
  if (!s.words?.length) return undefined;
  const spans: { start: number; end: number }[] = [];
  let at = 0;
  for (const w of s.words) {
    const t = w.text.trim();
    if (!t) {
      spans.push({ start: at, end: at });
      continue;
    }
    const k = s.text.indexOf(t, at);
    if (k < 0 || s.text.slice(at, k).trim() !== "") return undefined;
    // Pieces glued to the previous word (no leading space) continue it.
    spans.push({ start: k, end: k + t.length });
    at = k + t.length;
  }
  return spans;
}

/** wordAt returns the index of the word playing at time t in a segment (-1 before the first). */
export function wordAt(s: Seg, t: number): number {
  const w = s.words;
  if (!w?.length || t < s.start) return -1;
  let best = -1;
  for (let k = 0; k < w.length; k++) {
    if (w[k].start <= t) best = k;
    else break;
  }
  return best;
}

/** wordAtOffset returns the index of the word at character offset pos (-1 when none). */
export function wordAtOffset(s: Seg, pos: number): number {
  const spans = wordSpans(s);
  if (!spans) return -1;
  let best = -1;
  for (let k = 0; k < spans.length; k++) {
    if (spans[k].end === spans[k].start) continue;
    if (spans[k].start <= pos) best = k;
  }
  return best;
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

/**
 * SpeakerConflict is thrown by merge when the two segments belong to different speakers: the
 * editor must ask whose words they are rather than silently give both to one of them.
 */
export class SpeakerConflict extends EditError {
  constructor(
    readonly first: string,
    readonly second: string,
  ) {
    super("these two segments are by different speakers");
  }
}

/**
 * merge joins segment i with the one after it. When both have a speaker and they differ, speaker
 * must name the one the merged segment belongs to (one of the two); otherwise merge throws
 * SpeakerConflict and changes nothing.
 */
export function merge(d: Doc, i: number, speaker?: string): Doc {
  check(d, i);
  if (i + 1 >= d.segments.length) throw new EditError("there is no next segment to merge with");
  const a = d.segments[i];
  const b = d.segments[i + 1];
  let who = a.speaker ?? b.speaker;
  if (a.speaker && b.speaker && a.speaker !== b.speaker) {
    if (speaker === undefined) throw new SpeakerConflict(a.speaker, b.speaker);
    if (speaker !== a.speaker && speaker !== b.speaker) throw new EditError(`speaker ${speaker} is neither of the two`);
    who = speaker;
  }
  const text = [a.text.trim(), b.text.trim()].filter(Boolean).join(" ");
  const seg: Seg = {
    key: a.key,
    start: Math.min(a.start, b.start),
    end: Math.max(a.end, b.end),
    text,
    speaker: who,
  };
  if (a.words?.length && b.words?.length) seg.words = [...a.words, ...b.words];
  if (!seg.speaker) delete seg.speaker;
  const segments = d.segments.slice();
  segments.splice(i, 2, seg);
  return { ...d, segments };
}

/**
 * setTimes sets segment i's start and end (nanoseconds). The start must come before the end, and
 * the segment may not start before the previous one starts or end after the next one ends. Word
 * timings are clamped into the new span.
 */
export function setTimes(d: Doc, i: number, start: number, end: number): Doc {
  check(d, i);
  if (!Number.isFinite(start) || !Number.isFinite(end) || start < 0) throw new EditError("times must be positive numbers");
  start = Math.round(start);
  end = Math.round(end);
  if (end <= start) throw new EditError("a segment must end after it starts");
  const prev = d.segments[i - 1];
  const next = d.segments[i + 1];
  if (prev && start < prev.start) throw new EditError("a segment cannot start before the one above it");
  if (next && end > next.end) throw new EditError("a segment cannot end after the one below it");
  const s = d.segments[i];
  if (s.start === start && s.end === end) return d;
  const seg: Seg = { ...s, start, end };
  if (s.words) {
    seg.words = s.words.map((w) => {
      const ws = Math.min(Math.max(w.start, start), end);
      return { ...w, start: ws, end: Math.min(Math.max(w.end, ws), end) };
    });
  }
  return { ...d, segments: replaceAt(d, i, seg) };
}

/** mergeSpeakers gives every segment of speaker `from` to speaker `into` and removes `from`. */
export function mergeSpeakers(d: Doc, from: string, into: string): Doc {
  if (from === into) throw new EditError("choose two different speakers");
  if (!d.speakers.some((s) => s.id === from)) throw new EditError(`no speaker ${from}`);
  if (!d.speakers.some((s) => s.id === into)) throw new EditError(`no speaker ${into}`);
  return {
    speakers: d.speakers.filter((s) => s.id !== from),
    segments: d.segments.map((s) => (s.speaker === from ? { ...s, speaker: into } : s)),
  };
}

/** deleteUnusedSpeaker removes a speaker no segment belongs to; it refuses one still in use. */
export function deleteUnusedSpeaker(d: Doc, id: string): Doc {
  const n = d.segments.filter((s) => s.speaker === id).length;
  if (n > 0) throw new EditError(`this speaker still has ${n} ${n === 1 ? "segment" : "segments"}; merge them into another speaker first`);
  return removeSpeaker(d, id);
}

/** setSpeakerColor sets (or with "" clears) a speaker's chosen colour, a CSS hex colour. */
export function setSpeakerColor(d: Doc, id: string, color: string): Doc {
  if (color && !/^#[0-9a-f]{6}$/i.test(color)) throw new EditError(`not a colour: ${color}`);
  const i = d.speakers.findIndex((s) => s.id === id);
  if (i < 0) throw new EditError(`no speaker ${id}`);
  if ((d.speakers[i].color ?? "") === color) return d;
  const speakers = d.speakers.slice();
  speakers[i] = { ...speakers[i], color: color || undefined };
  if (!color) delete speakers[i].color;
  return { ...d, speakers };
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
