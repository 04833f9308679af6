import { describe, expect, it } from "vitest";
import { History } from "./history";

describe("History", () => {
  it("undoes and redoes", () => {
    const h = new History("a");
    h.push("b", undefined, 0);
    h.push("c", undefined, 10);
    expect(h.current).toBe("c");
    expect(h.undo()).toBe(true);
    expect(h.current).toBe("b");
    expect(h.undo()).toBe(true);
    expect(h.current).toBe("a");
    expect(h.undo()).toBe(false);
    expect(h.redo()).toBe(true);
    expect(h.current).toBe("b");
    h.push("d", undefined, 20);
    expect(h.canRedo).toBe(false);
  });
  it("coalesces typing in one place into one step", () => {
    const h = new History("");
    h.push("h", "seg1", 0);
    h.push("he", "seg1", 100);
    h.push("hel", "seg1", 200);
    h.push("help", "seg2", 300);
    h.push("helpx", "seg2", 5000); // too late: new step
    expect(h.undo()).toBe(true);
    expect(h.current).toBe("help");
    expect(h.undo()).toBe(true);
    expect(h.current).toBe("hel");
    expect(h.undo()).toBe(true);
    expect(h.current).toBe("");
  });
  it("does not coalesce across an undo", () => {
    const h = new History(0);
    h.push(1, "k", 0);
    h.undo();
    h.push(2, "k", 10);
    h.push(3, "k", 20);
    h.undo();
    expect(h.current).toBe(0);
  });
  it("keeps at most limit steps", () => {
    const h = new History(0, 3);
    for (let i = 1; i <= 10; i++) h.push(i);
    let n = 0;
    while (h.undo()) n++;
    expect(n).toBe(3);
    expect(h.current).toBe(7);
  });
  it("ignores pushing the same value and resets", () => {
    const h = new History("x");
    h.push("x");
    expect(h.canUndo).toBe(false);
    h.push("y");
    h.reset("z");
    expect(h.canUndo).toBe(false);
    expect(h.current).toBe("z");
  });
});
