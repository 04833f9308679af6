// What a key pressed in the editor does. Kept apart from the components so the rules are tested:
// nothing that changes the text's structure (split, merge) happens on a plain Enter, which is the key
// people press in Find and dialogs; a split needs its own chord or the Split button.

export type RowAction = "split" | "merge-previous" | "previous" | "next" | "swallow" | null;

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
  isComposing?: boolean;
}

export interface CaretInfo {
  /** caret offset in the text, -1 when unknown */
  pos: number;
  /** whether the selection is collapsed */
  collapsed: boolean;
  /** whether the caret is on the first / last visual line of the text */
  firstLine: boolean;
  lastLine: boolean;
}

/** rowAction decides what a key pressed inside a segment's text does. */
export function rowAction(e: KeyLike, c: CaretInfo): RowAction {
  if (e.isComposing) return null;
  const mod = !!(e.ctrlKey || e.metaKey);
  if (e.key === "Enter") {
    // Ctrl+Enter splits at the caret; a plain Enter never does (and inserts no line break either).
    if (mod && !e.shiftKey && !e.altKey) return c.pos > 0 ? "split" : "swallow";
    return e.shiftKey ? null : "swallow";
  }
  if (e.key === "Backspace" && !mod && c.collapsed && c.pos === 0) return "merge-previous";
  if (!mod && !e.altKey && !e.shiftKey) {
    if (e.key === "ArrowUp" && c.firstLine) return "previous";
    if (e.key === "ArrowDown" && c.lastLine) return "next";
  }
  return null;
}

export type PlayerAction = "toggle" | "back" | "forward" | "slower" | "faster" | null;

/**
 * playerAction returns the playback shortcut for a key, usable while typing in a segment:
 * Ctrl+Space play/pause, Ctrl+← / Ctrl+→ skip 5 s, Ctrl+, / Ctrl+. slower / faster.
 */
export function playerAction(e: KeyLike): PlayerAction {
  const mod = !!(e.ctrlKey || e.metaKey);
  if (!mod || e.altKey) return null;
  if (e.key === " " || e.key === "Spacebar") return e.shiftKey ? null : "toggle";
  if (e.shiftKey) return null;
  if (e.key === "ArrowLeft") return "back";
  if (e.key === "ArrowRight") return "forward";
  if (e.key === ",") return "slower";
  if (e.key === ".") return "faster";
  return null;
}

/** Playback speeds offered, 0.5× to 2×. */
export const speeds = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

/** stepSpeed returns the next speed up (dir 1) or down (dir -1) from rate, within 0.5–2×. */
export function stepSpeed(rate: number, dir: 1 | -1): number {
  if (dir > 0) return speeds.find((s) => s > rate + 1e-9) ?? speeds[speeds.length - 1];
  return [...speeds].reverse().find((s) => s < rate - 1e-9) ?? speeds[0];
}

/** skip returns the playhead moved by delta seconds, kept within [0, duration]. */
export function skip(now: number, delta: number, duration: number): number {
  const d = Number.isFinite(duration) && duration > 0 ? duration : Infinity;
  return Math.min(Math.max(0, now + delta), d);
}
