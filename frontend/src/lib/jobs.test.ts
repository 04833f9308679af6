import { describe, expect, it } from "vitest";
import { elapsedSeconds, speed, stageText } from "./jobs";

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
