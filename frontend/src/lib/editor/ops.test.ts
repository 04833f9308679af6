import { describe, expect, it } from "vitest";
import {
  addSpeaker,
  assignSpeaker,
  EditError,
  editText,
  find,
  fromTranscript,
  merge,
  mergeSpeakers,
  deleteUnusedSpeaker,
  realign,
  setSpeakerColor,
  setTimes,
  SpeakerConflict,
  wordAt,
  wordAtOffset,
  wordSpans,
  removeSpeaker,
  renameSpeaker,
  replaceAll,
  replaceMatch,
  segmentAt,
  speakerName,
  split,
  toTranscript,
  type Doc,
} from "./ops";

const S = 1_000_000_000;

function doc(): Doc {
  return fromTranscript({
    segments: [
      { start: 0, end: 2 * S, text: "Hello there friend", speaker: "S1" },
      { start: 2 * S, end: 4 * S, text: "General Kenobi", speaker: "S2" },
      { start: 4 * S, end: 6 * S, text: "hello again", speaker: "S1" },
    ],
    speakers: [
      { id: "S1", name: "Speaker 1" },
      { id: "S2", name: "Speaker 2" },
    ],
  });
}

describe("editText", () => {
  it("replaces one segment and leaves the input alone", () => {
    const d = doc();
    const e = editText(d, 1, "General Grievous");
    expect(e.segments[1].text).toBe("General Grievous");
    expect(d.segments[1].text).toBe("General Kenobi");
    expect(e.segments[0]).toBe(d.segments[0]);
  });
  it("returns the same doc for no change and rejects bad indexes", () => {
    const d = doc();
    expect(editText(d, 0, "Hello there friend")).toBe(d);
    expect(() => editText(d, 3, "x")).toThrow(EditError);
  });
  it("re-times words after an edit instead of dropping them", () => {
    const d = fromTranscript({
      segments: [{ start: 0, end: S, text: " a b", words: [{ start: 0, end: 1, text: " a", probability: 1 }, { start: 1, end: 2, text: " b", probability: 1 }] }],
    });
    expect(editText(d, 0, " a c").segments[0].words).toEqual([
      { start: 0, end: 1, text: " a", probability: 1 },
      { start: 1, end: S, text: " c", probability: 1 },
    ]);
    expect(editText(d, 0, "  ").segments[0].words).toBeUndefined();
  });
});

describe("speakers", () => {
  it("renames a speaker everywhere", () => {
    const d = renameSpeaker(doc(), "S1", "  Ada ");
    expect(speakerName(d, "S1")).toBe("Ada");
    expect(d.segments.filter((s) => speakerName(d, s.speaker) === "Ada")).toHaveLength(2);
    expect(() => renameSpeaker(d, "S1", " ")).toThrow(EditError);
    expect(() => renameSpeaker(d, "S9", "x")).toThrow(EditError);
  });
  it("reassigns, adds and removes speakers", () => {
    let d = assignSpeaker(doc(), 1, "S1");
    expect(d.segments[1].speaker).toBe("S1");
    const added = addSpeaker(d, "Grace");
    expect(added.id).toBe("S3");
    d = assignSpeaker(added.doc, 2, added.id);
    expect(speakerName(d, d.segments[2].speaker)).toBe("Grace");
    d = assignSpeaker(d, 2, "");
    expect(d.segments[2].speaker).toBeUndefined();
    expect(() => assignSpeaker(d, 0, "nobody")).toThrow(EditError);
    d = removeSpeaker(d, "S1");
    expect(d.segments.some((s) => s.speaker === "S1")).toBe(false);
    expect(speakerName(d, "unknown")).toBe("unknown");
  });
});

describe("split and merge", () => {
  it("splits proportionally without word timings", () => {
    const d = split(doc(), 0, 5); // "Hello| there friend"
    expect(d.segments).toHaveLength(4);
    expect(d.segments[0].text).toBe("Hello");
    expect(d.segments[1].text).toBe("there friend");
    expect(d.segments[0].end).toBe(d.segments[1].start);
    expect(d.segments[1].start).toBe(Math.round((2 * S * 5) / 18));
    expect(d.segments[1].speaker).toBe("S1");
    expect(d.segments[1].key).not.toBe(d.segments[0].key);
  });
  it("splits on word timings when present", () => {
    const d = fromTranscript({
      segments: [{
        start: 0, end: 3 * S, text: " one two three",
        words: [
          { start: 0, end: S, text: " one", probability: 1 },
          { start: S, end: 2 * S, text: " two", probability: 1 },
          { start: 2 * S, end: 3 * S, text: " three", probability: 1 },
        ],
      }],
    });
    expect(d.segments[0].text).toBe("one two three"); // trimmed on load
    const e = split(d, 0, 7); // after "one two"
    expect(e.segments.map((s) => s.text)).toEqual(["one two", "three"]);
    expect(e.segments[1].start).toBe(2 * S);
    expect(e.segments[0].words).toHaveLength(2);
    expect(e.segments[1].words).toHaveLength(1);
  });
  it("refuses to split at the edges", () => {
    expect(() => split(doc(), 0, 0)).toThrow(EditError);
    expect(() => split(doc(), 0, 18)).toThrow(EditError);
    expect(() => split(doc(), 0, 17)).not.toThrow();
  });
  it("merges with the next segment and is the inverse of split for text", () => {
    const d = doc();
    const m = merge(split(d, 0, 5), 0);
    expect(m.segments).toHaveLength(3);
    expect(m.segments[0].text).toBe("Hello there friend");
    expect(m.segments[0].start).toBe(0);
    expect(m.segments[0].end).toBe(2 * S);
    const all = merge(d, 1, "S2");
    expect(all.segments[1].text).toBe("General Kenobi hello again");
    expect(all.segments[1].end).toBe(6 * S);
    expect(all.segments[1].speaker).toBe("S2");
    expect(() => merge(all, 1)).toThrow(EditError);
  });
  it("refuses to merge two speakers' segments unless told whose they are", () => {
    const d = doc();
    let err: unknown;
    try {
      merge(d, 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpeakerConflict);
    expect(err).toMatchObject({ first: "S1", second: "S2" });
    expect(merge(d, 0, "S2").segments[0].speaker).toBe("S2");
    expect(merge(d, 0, "S1").segments[0].speaker).toBe("S1");
    expect(() => merge(d, 0, "S9")).toThrow(EditError);
    // Same speaker, or one side without a speaker: no question.
    const one = assignSpeaker(d, 1, "S1");
    expect(merge(one, 0).segments[0].speaker).toBe("S1");
    const none = assignSpeaker(d, 1, "");
    expect(merge(none, 0).segments[0].speaker).toBe("S1");
  });
});

describe("find and replace", () => {
  it("finds case-insensitively by default", () => {
    expect(find(doc(), "hello")).toEqual([
      { segment: 0, index: 0, length: 5 },
      { segment: 2, index: 0, length: 5 },
    ]);
    expect(find(doc(), "hello", { caseSensitive: true })).toHaveLength(1);
    expect(find(doc(), "")).toEqual([]);
  });
  it("matches whole words and special characters literally", () => {
    const d = fromTranscript({ segments: [{ start: 0, end: 1, text: "cat concat cat. (c.a.t)" }] });
    expect(find(d, "cat", { wholeWord: true })).toHaveLength(2);
    expect(find(d, "c.a.t")).toHaveLength(1);
    expect(find(d, "(")).toHaveLength(1);
  });
  it("replaces all and counts", () => {
    const { doc: d, count } = replaceAll(doc(), "hello", "Goodbye");
    expect(count).toBe(2);
    expect(d.segments[0].text).toBe("Goodbye there friend");
    expect(d.segments[2].text).toBe("Goodbye again");
    const same = doc();
    expect(replaceAll(same, "absent", "x").doc).toBe(same);
  });
  it("replaces one match", () => {
    const d = doc();
    const m = find(d, "friend")[0];
    expect(replaceMatch(d, m, "pal").segments[0].text).toBe("Hello there pal");
  });
});

describe("conversion", () => {
  it("round-trips through the Go shape without keys", () => {
    const t = toTranscript(doc());
    expect(t.segments[0]).toEqual({ start: 0, end: 2 * S, text: "Hello there friend", speaker: "S1" });
    expect(Object.keys(t.segments[0])).not.toContain("key");
    expect(fromTranscript({ segments: null, speakers: null })).toEqual({ segments: [], speakers: [] });
  });
  it("keeps the uncertain mark of a repetition loop until the text is edited", () => {
    const d = fromTranscript({
      segments: [
        { start: 0, end: 12 * S, text: " And so it goes on.", uncertain: true },
        { start: 12 * S, end: 14 * S, text: " Next." },
      ],
    });
    expect(d.segments[0].uncertain).toBe(true);
    expect(toTranscript(d).segments[0]).toEqual({ start: 0, end: 12 * S, text: "And so it goes on.", uncertain: true });
    expect(Object.keys(toTranscript(d).segments[1])).not.toContain("uncertain");
    const e = editText(d, 0, "And so it goes on, he said.");
    expect(e.segments[0].uncertain).toBeUndefined();
    expect(toTranscript(e).segments[0]).not.toHaveProperty("uncertain");
  });
  it("finds the segment at a time", () => {
    const d = doc();
    expect(segmentAt(d, 0)).toBe(0);
    expect(segmentAt(d, 3 * S)).toBe(1);
    expect(segmentAt(d, 7 * S)).toBe(-1);
  });
});

describe("timing edits", () => {
  it("sets start and end within the neighbours and clamps the words", () => {
    const d = fromTranscript({
      segments: [
        { start: 0, end: 2 * S, text: "a" },
        { start: 2 * S, end: 4 * S, text: " b c", words: [{ start: 2 * S, end: 3 * S, text: " b", probability: 1 }, { start: 3 * S, end: 4 * S, text: " c", probability: 1 }] },
        { start: 4 * S, end: 6 * S, text: "d" },
      ],
    });
    const e = setTimes(d, 1, 2.5 * S, 3.5 * S);
    expect(e.segments[1].start).toBe(2.5 * S);
    expect(e.segments[1].words?.[0].start).toBe(2.5 * S);
    expect(e.segments[1].words?.[1].end).toBe(3.5 * S);
    expect(() => setTimes(d, 1, 3 * S, 3 * S)).toThrow(/end after/);
    expect(() => setTimes(d, 1, -1, 3 * S)).toThrow(EditError);
    expect(() => setTimes(d, 2, 4 * S, 7 * S)).not.toThrow();
    expect(() => setTimes(d, 1, 2 * S, 6.5 * S)).toThrow(/below/);
    expect(setTimes(d, 1, 2 * S, 4 * S)).toBe(d);
  });
});

describe("speaker tools", () => {
  it("merges two speakers into one", () => {
    const m = mergeSpeakers(doc(), "S2", "S1");
    expect(m.speakers.map((s) => s.id)).toEqual(["S1"]);
    expect(m.segments.every((s) => s.speaker === "S1")).toBe(true);
    expect(() => mergeSpeakers(doc(), "S1", "S1")).toThrow(EditError);
  });
  it("deletes only unused speakers", () => {
    expect(() => deleteUnusedSpeaker(doc(), "S1")).toThrow(/still has 2 segments/);
    const r = addSpeaker(doc(), "Extra");
    expect(deleteUnusedSpeaker(r.doc, r.id).speakers).toHaveLength(2);
  });
  it("sets and clears a colour", () => {
    const c = setSpeakerColor(doc(), "S1", "#0072b2");
    expect(c.speakers[0].color).toBe("#0072b2");
    expect(setSpeakerColor(c, "S1", "").speakers[0].color).toBeUndefined();
    expect(() => setSpeakerColor(doc(), "S1", "red; background: url(x)")).toThrow(EditError);
  });
});

describe("words", () => {
  const w = (start: number, end: number, text: string, probability = 0.9) => ({ start: start * S, end: end * S, text, probability });
  const seg = () =>
    fromTranscript({
      segments: [{ start: 0, end: 4 * S, text: " And so my fellow Americans", words: [w(0, 0.5, " And"), w(0.5, 1, " so"), w(1, 1.5, " my"), w(1.5, 2, " fel"), w(2, 2.5, "low", 0.3), w(2.5, 4, " Americans")] }],
    }).segments[0];
  it("maps words to character spans and times", () => {
    const s = seg();
    expect(wordSpans(s)?.map((x) => s.text.slice(x.start, x.end))).toEqual(["And", "so", "my", "fel", "low", "Americans"]);
    expect(wordAt(s, 1.2 * S)).toBe(2);
    expect(wordAt(s, 3.9 * S)).toBe(5);
    expect(wordAtOffset(s, 8)).toBe(2);
  });
  it("keeps the timings of unchanged words after an edit and spreads new ones", () => {
    const d = { segments: [seg()], speakers: [] };
    const e = editText(d, 0, "And so, my dear fellow Americans");
    const words = e.segments[0].words!;
    expect(words.map((x) => x.text).join("")).toBe("And so, my dear fellow Americans");
    expect(words[1]).toMatchObject({ start: 0.5 * S, end: 1 * S }); // "so," still "so"
    expect(words[2]).toMatchObject({ start: 1 * S, end: 1.5 * S });
    expect(words[3]).toMatchObject({ text: " dear", start: 1.5 * S, end: 1.5 * S, probability: 1 });
    expect(words[4]).toMatchObject({ start: 1.5 * S, end: 2.5 * S, probability: 0.3 }); // pieces joined
    expect(words[5]).toMatchObject({ start: 2.5 * S, end: 4 * S });
    for (let k = 1; k < words.length; k++) expect(words[k].start).toBeGreaterThanOrEqual(words[k - 1].start);
    expect(realign(words, "   ", 0, 1)).toBeUndefined();
  });
  it("spreads a completely new text over the segment", () => {
    const r = realign([w(0, 1, " x")], "one two", 0, 4 * S)!;
    expect(r.map((x) => [x.start, x.end])).toEqual([[0, 2 * S], [2 * S, 4 * S]]);
  });
});
