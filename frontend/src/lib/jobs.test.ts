import { describe, expect, it } from "vitest";
import { elapsedSeconds, speed, stageText, window } from "./jobs";

const base = { state: "done", stage: "", started: "2026-01-01T10:00:00Z", finished: "2026-01-01T10:00:20Z", duration: 300e9 };

describe("job timing", () => {
  it("measures elapsed time and speed of a finished job", () => {
    expect(elapsedSeconds(base)).toBe(20);
    expect(speed(base)).toBe(15);
  });
  it("counts a running job up to now, and nothing before it starts", () => {
    const running = { ...base, state: "running", finished: "0001-01-01T00:00:00Z" };
    expect(elapsedSeconds(running, new Date("2026-01-01T10:00:05Z"))).toBe(5);
    expect(speed(running)).toBe(0);
    expect(elapsedSeconds({ ...base, started: "0001-01-01T00:00:00Z" })).toBe(-1);
  });
  it("names every stage the Go side reports", () => {
    for (const s of ["starting", "decoding", "loading model", "transcribing", "saving"]) expect(stageText(s)).not.toMatch(/^Working/);
    expect(stageText("")).toBe("Working…");
  });
});

describe("windows", () => {
  it("counts 30-second windows from the transcription percent", () => {
    const d = 300e9; // 10 windows
    expect(window({ stage: "transcribing", percent: 5, duration: d })).toEqual({ k: 1, n: 10 });
    expect(window({ stage: "transcribing", percent: 52, duration: d })).toEqual({ k: 6, n: 10 });
    expect(window({ stage: "transcribing", percent: 98, duration: d })).toEqual({ k: 10, n: 10 });
    expect(window({ stage: "decoding", percent: 3, duration: d })).toBeNull();
    expect(window({ stage: "transcribing", percent: 50, duration: 0 })).toBeNull();
    expect(stageText("transcribing", { k: 6, n: 10 })).toBe("Transcribing window 6 of 10…");
    expect(stageText("transcribing", { k: 1, n: 1 })).toBe("Transcribing…");
  });
});
