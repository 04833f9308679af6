import { describe, expect, it } from "vitest";
import { wrapIndex } from "./dialog";

describe("dialog focus trap", () => {
  it("wraps Tab and Shift+Tab at the ends", () => {
    expect(wrapIndex(3, 0, false)).toBe(1);
    expect(wrapIndex(3, 2, false)).toBe(0);
    expect(wrapIndex(3, 0, true)).toBe(2);
    expect(wrapIndex(3, -1, false)).toBe(0);
    expect(wrapIndex(3, -1, true)).toBe(2);
    expect(wrapIndex(0, -1, false)).toBe(-1);
  });
});
