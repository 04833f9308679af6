import { describe, expect, it } from "vitest";
import { bytes, date, duration, isZeroTime, plural, remaining, timestamp } from "./format";

const S = 1_000_000_000;

describe("format", () => {
  it.each([
    [0, "0:00"],
    [5.9 * S, "0:05"],
    [65 * S, "1:05"],
    [3600 * S, "1:00:00"],
    [3725 * S, "1:02:05"],
    [-1, "0:00"],
    [NaN, "0:00"],
  ])("timestamp(%d) = %s", (ns, want) => expect(timestamp(ns)).toBe(want));
  it("timestamp with tenths", () => expect(timestamp(65.45 * S, true)).toBe("1:05.4"));
  it.each([
    [0, "0 s"],
    [45 * S, "45 s"],
    [185 * S, "3 min 05 s"],
    [3720 * S, "1 h 02 min"],
  ])("duration(%d) = %s", (ns, want) => expect(duration(ns)).toBe(want));
  it.each([
    [-1, "estimating…"],
    [3, "a few seconds left"],
    [42, "42 s left"],
    [150, "about 3 min left"],
    [4000, "about 1 h 07 min left"],
  ])("remaining(%d) = %s", (s, want) => expect(remaining(s)).toBe(want));
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1500, "1.5 KB"],
    [77691713, "78 MB"],
    [1.5e9, "1.5 GB"],
  ])("bytes(%d) = %s", (n, want) => expect(bytes(n)).toBe(want));
  it("dates", () => {
    const now = new Date(2026, 4, 10, 12, 0);
    expect(date(new Date(2026, 4, 10, 9, 5).toISOString(), now)).toBe("Today 09:05");
    expect(date(new Date(2026, 4, 9, 23, 59).toISOString(), now)).toBe("Yesterday 23:59");
    expect(date(new Date(2026, 0, 2, 8, 0).toISOString(), now)).toBe("2 Jan 08:00");
    expect(date(new Date(2024, 11, 24, 8, 0).toISOString(), now)).toBe("24 Dec 2024 08:00");
    expect(date("0001-01-01T00:00:00Z", now)).toBe("");
    expect(date("garbage", now)).toBe("");
    expect(isZeroTime("")).toBe(true);
  });
  it("plural", () => {
    expect(plural(1, "file")).toBe("1 file");
    expect(plural(2, "file")).toBe("2 files");
  });
});

describe("parseTimestamp", () => {
  it("reads seconds, m:ss and h:mm:ss to the tenth", async () => {
    const { parseTimestamp, timestamp } = await import("./format");
    const S = 1e9;
    expect(parseTimestamp("75.3")).toBe(75.3 * S);
    expect(parseTimestamp("1:15.3")).toBe(75.3 * S);
    expect(parseTimestamp("1:01:15,3")).toBe(3675.3 * S);
    expect(parseTimestamp(" 0:07 ")).toBe(7 * S);
    expect(parseTimestamp("1:75")).toBeNaN();
    expect(parseTimestamp("abc")).toBeNaN();
    expect(parseTimestamp("")).toBeNaN();
    expect(parseTimestamp(timestamp(83.4 * S, true))).toBe(83.4 * S);
  });
});
