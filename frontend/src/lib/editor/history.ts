// Undo/redo for immutable documents: a stack of snapshots. Successive edits with the same coalesce
// key within `window` ms (typing in one segment) become one undo step.

export class History<T> {
  private past: T[] = [];
  private future: T[] = [];
  private lastKey: string | undefined;
  private lastTime = 0;

  constructor(
    private present: T,
    private readonly limit = 500,
    private readonly window = 1500,
  ) {}

  get current(): T {
    return this.present;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }

  /** push makes next the current document. */
  push(next: T, coalesceKey?: string, now: number = Date.now()): void {
    if (next === this.present) return;
    const coalesce = coalesceKey !== undefined && coalesceKey === this.lastKey && now - this.lastTime < this.window;
    if (!coalesce) {
      this.past.push(this.present);
      if (this.past.length > this.limit) this.past.shift();
    }
    this.present = next;
    this.future = [];
    this.lastKey = coalesceKey;
    this.lastTime = now;
  }

  /** undo returns to the previous document; it returns false when there is none. */
  undo(): boolean {
    const prev = this.past.pop();
    if (prev === undefined) return false;
    this.future.push(this.present);
    this.present = prev;
    this.lastKey = undefined;
    return true;
  }

  /** redo re-applies an undone change; it returns false when there is none. */
  redo(): boolean {
    const next = this.future.pop();
    if (next === undefined) return false;
    this.past.push(this.present);
    this.present = next;
    this.lastKey = undefined;
    return true;
  }

  /** reset forgets all history and starts from doc. */
  reset(doc: T): void {
    this.past = [];
    this.future = [];
    this.present = doc;
    this.lastKey = undefined;
  }
}
