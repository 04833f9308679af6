// Highlights drawn over the segments' editable text with the CSS Custom Highlight API, so the text
// stays one plain, editable text node (no spans to break typing, undo or the caret): the current
// word during playback, the current Find match, and words below the confidence threshold.

export type HighlightName = "hs-word" | "hs-find" | "hs-lowconf";

const registry = new Map<HighlightName, Highlight>();

function highlight(name: HighlightName): Highlight | null {
  if (typeof CSS === "undefined" || !("highlights" in CSS) || typeof Highlight === "undefined") return null;
  let h = registry.get(name);
  if (!h) {
    h = new Highlight();
    registry.set(name, h);
    CSS.highlights.set(name, h);
  }
  return h;
}

/** rangeIn returns a DOM range over characters [start, end) of el's text, across its text nodes. */
export function rangeIn(el: HTMLElement, start: number, end: number): Range | null {
  const r = document.createRange();
  const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let at = 0;
  let started = false;
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const len = n.textContent?.length ?? 0;
    if (!started && start <= at + len) {
      r.setStart(n, start - at);
      started = true;
    }
    if (started && end <= at + len) {
      r.setEnd(n, end - at);
      return r;
    }
    at += len;
  }
  return null;
}

/** Marks is one row's set of ranges in one highlight; set() replaces them. */
export class Marks {
  private ranges: Range[] = [];
  constructor(private name: HighlightName) {}
  set(el: HTMLElement | undefined, spans: { start: number; end: number }[]): void {
    const h = highlight(this.name);
    for (const r of this.ranges) h?.delete(r);
    this.ranges = [];
    if (!el || !h) return;
    for (const s of spans) {
      const r = s.end > s.start ? rangeIn(el, s.start, s.end) : null;
      if (r) {
        h.add(r);
        this.ranges.push(r);
      }
    }
  }
  clear(): void {
    this.set(undefined, []);
  }
}
