import { describe, expect, it } from "vitest";
import { finished, meterPercent, outcome, pickerDevices, silenceLabel } from "./quickrecord";
import type { QuickRecordResult, QuickRecordState } from "./api";

const S = 1_000_000_000;
const result = (r: Partial<QuickRecordResult>): QuickRecordResult => ({
  transcriptId: "", title: "", duration: 0, copied: false, saved: false, error: "", ...r,
});
const state = (phase: string, last: QuickRecordResult | null = null): QuickRecordState =>
  ({ available: true, phase, device: { id: "", name: "", default: true }, elapsed: 0, level: { rms: -120, peak: -120, silent: true }, last }) as QuickRecordState;

describe("quick recording", () => {
  it.each([
    [-120, 0],
    [-60, 0],
    [-30, 50],
    [-6, 90],
    [0, 100],
    [3, 100],
    [Number.NaN, 0],
    [Number.NEGATIVE_INFINITY, 0],
  ])("meter for %d dBFS is %d%%", (db, pct) => expect(meterPercent(db)).toBe(pct));

  it("sees the end of a transcription only once", () => {
    const done = state("idle", result({ saved: true }));
    expect(finished(state("transcribing"), done)).toBe(true);
    expect(finished(done, done)).toBe(false);
    expect(finished(null, done)).toBe(false);
    expect(finished(state("recording"), state("transcribing"))).toBe(false);
    expect(finished(state("transcribing"), state("idle"))).toBe(false);
  });

  it.each([
    [result({ copied: true, saved: true, duration: 4 * S }), "success", "Quick recording transcribed (4 s) and copied to the clipboard and saved to the library."],
    [result({ saved: true }), "success", "Quick recording transcribed and saved to the library."],
    [result({ copied: true, duration: 65 * S }), "success", "Quick recording transcribed (1 min 05 s) and copied to the clipboard."],
    [result({}), "info", "Quick recording transcribed; it was neither copied nor saved (see Settings)."],
    [result({ error: "No speech was recognised.", saved: false }), "error", "Quick recording: No speech was recognised."],
    [result({ error: "The microphone was disconnected; what was recorded until then was transcribed.", saved: true, duration: 3 * S }), "info",
      "Quick recording transcribed (3 s) and saved to the library. The microphone was disconnected; what was recorded until then was transcribed."],
  ])("outcome %#", (r, kind, text) => expect(outcome(r)).toEqual({ kind, text }));

  it("offers the default, the devices and a remembered unplugged device", () => {
    const ds = [
      { id: "a", name: "Built-in", default: true },
      { id: "b", name: "", default: false },
      { id: "", name: "bogus", default: false },
    ];
    expect(pickerDevices(ds, "a")).toEqual([
      { id: "", label: "System default" },
      { id: "a", label: "Built-in (system default)" },
      { id: "b", label: "b" },
    ]);
    expect(pickerDevices(ds, "gone").at(-1)).toEqual({ id: "gone", label: "Remembered microphone (not connected)" });
    expect(pickerDevices([], "")).toEqual([{ id: "", label: "System default" }]);
  });

  it("labels silence timeouts", () => {
    expect(silenceLabel(0)).toMatch(/^Never/);
    expect(silenceLabel(5)).toBe("After 5 s of silence");
  });
});
