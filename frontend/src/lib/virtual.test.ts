import { describe, expect, it } from "vitest";
import { Heights, scrollTopFor, visibleRange } from "./virtual";

describe("Heights", () => {
  it("uses the estimate until rows are measured", () => {
    const h = new Heights(100, 20);
    expect(h.total()).toBe(2000);
    expect(h.top(10)).toBe(200);
    expect(h.indexAt(0)).toBe(0);
    expect(h.indexAt(199)).toBe(9);
    expect(h.indexAt(200)).toBe(10);
    expect(h.indexAt(1e9)).toBe(99);
    expect(h.indexAt(-5)).toBe(0);
  });
  it("updates prefix sums after measurements", () => {
    const h = new Heights(5, 10);
    expect(h.set(1, 30)).toBe(true);
    expect(h.set(1, 30)).toBe(false);
    expect(h.set(9, 30)).toBe(false);
    expect(h.top(2)).toBe(40);
    expect(h.total()).toBe(70);
    expect(h.indexAt(39)).toBe(1);
    h.resize(7);
    expect(h.total()).toBe(90);
    h.resize(2);
    expect(h.total()).toBe(40);
  });
});

describe("visibleRange", () => {
  it("renders only what is on screen plus overscan", () => {
    const h = new Heights(3000, 40);
    const w = visibleRange(h, 4000, 400, 5);
    expect(w.start).toBe(95);
    expect(w.end).toBe(115);
    expect(w.padTop).toBe(95 * 40);
    expect(w.padBottom).toBe((3000 - 115) * 40);
    expect(w.end - w.start).toBeLessThan(30);
  });
  it("clamps at both ends", () => {
    const h = new Heights(10, 40);
    expect(visibleRange(h, 0, 100, 2)).toEqual({ start: 0, end: 5, padTop: 0, padBottom: 200 });
    const end = visibleRange(h, 10000, 100, 2);
    expect(end.end).toBe(10);
    expect(end.padBottom).toBe(0);
    expect(visibleRange(new Heights(0, 40), 0, 100)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });
  it("keeps the total height constant", () => {
    const h = new Heights(500, 33);
    for (let i = 0; i < 500; i += 7) h.set(i, 50 + (i % 40));
    for (const top of [0, 123, 5000, 16000, 99999]) {
      const w = visibleRange(h, top, 600);
      let rows = 0;
      for (let i = w.start; i < w.end; i++) rows += h.top(i + 1) - h.top(i);
      expect(w.padTop + rows + w.padBottom).toBeCloseTo(h.total());
    }
  });
});

describe("scrollTopFor", () => {
  it("moves the least to show a row", () => {
    const h = new Heights(100, 20);
    expect(scrollTopFor(h, 10, 0, 100)).toBe(120); // below: align bottom
    expect(scrollTopFor(h, 2, 100, 100)).toBe(40); // above: align top
    expect(scrollTopFor(h, 6, 100, 100)).toBe(100); // visible: stay
  });
});
