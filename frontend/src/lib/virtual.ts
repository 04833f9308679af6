// Virtual list arithmetic: which rows of a long list to render for a scroll position, when rows have
// measured (or estimated) heights. Pure functions, so they are unit-tested without a DOM.

/** Heights keeps row heights and their prefix sums; unknown rows use the estimate. */
export class Heights {
  private h: Float64Array;
  private known: Uint8Array;
  private sums: Float64Array; // sums[i] = top of row i; sums[n] = total
  private dirtyFrom = 0;

  constructor(count: number, readonly estimate: number) {
    this.h = new Float64Array(count).fill(estimate);
    this.known = new Uint8Array(count);
    this.sums = new Float64Array(count + 1);
    this.dirtyFrom = 0;
  }

  get count(): number {
    return this.h.length;
  }

  /** resize keeps the heights of the first min(old, count) rows. */
  resize(count: number): void {
    if (count === this.h.length) return;
    const h = new Float64Array(count).fill(this.estimate);
    const known = new Uint8Array(count);
    const n = Math.min(count, this.h.length);
    h.set(this.h.subarray(0, n));
    known.set(this.known.subarray(0, n));
    this.h = h;
    this.known = known;
    this.sums = new Float64Array(count + 1);
    this.dirtyFrom = 0;
  }

  /** set records a measured height; it returns whether anything changed. */
  set(i: number, height: number): boolean {
    if (i < 0 || i >= this.h.length || !(height >= 0)) return false;
    if (this.known[i] && Math.abs(this.h[i] - height) < 0.5) return false;
    this.h[i] = height;
    this.known[i] = 1;
    this.dirtyFrom = Math.min(this.dirtyFrom, i);
    return true;
  }

  /** forget marks every row unknown again (e.g. after the width changed). */
  forget(): void {
    this.known.fill(0);
  }

  private update(): void {
    if (this.dirtyFrom > this.h.length) return;
    for (let i = this.dirtyFrom; i < this.h.length; i++) this.sums[i + 1] = this.sums[i] + this.h[i];
    this.dirtyFrom = this.h.length + 1;
  }

  /** top returns the offset of row i from the top of the list. */
  top(i: number): number {
    this.update();
    return this.sums[Math.max(0, Math.min(i, this.h.length))];
  }

  /** total returns the height of the whole list. */
  total(): number {
    return this.top(this.h.length);
  }

  /** indexAt returns the row at offset y (clamped to the list). */
  indexAt(y: number): number {
    this.update();
    const n = this.h.length;
    if (n === 0) return 0;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.sums[mid] <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

export interface Window {
  start: number; // first row to render
  end: number; // one past the last row to render
  padTop: number; // space above the first rendered row
  padBottom: number; // space below the last rendered row
}

/** visibleRange returns the rows to render for a viewport, with overscan rows on each side. */
export function visibleRange(h: Heights, scrollTop: number, viewport: number, overscan = 4): Window {
  const n = h.count;
  if (n === 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
  const first = h.indexAt(Math.max(0, scrollTop));
  let last = h.indexAt(Math.max(0, scrollTop + Math.max(viewport, 1)));
  if (h.top(last) >= scrollTop + viewport && last > first) last--;
  const start = Math.max(0, first - overscan);
  const end = Math.min(n, last + 1 + overscan);
  return { start, end, padTop: h.top(start), padBottom: h.total() - h.top(end) };
}

/** scrollTopFor returns the scroll offset that brings row i into view with the least movement. */
export function scrollTopFor(h: Heights, i: number, scrollTop: number, viewport: number): number {
  const top = h.top(i);
  const bottom = h.top(i + 1);
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewport) return Math.max(0, Math.min(top, bottom - viewport));
  return scrollTop;
}
