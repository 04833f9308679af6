import { describe, expect, it } from "vitest";
import { playerAction, rowAction, skip, stepSpeed } from "./keys";

const mid = { pos: 4, collapsed: true, firstLine: false, lastLine: false };

describe("rowAction", () => {
  it("never splits on a plain Enter (the trap: Enter in Find reached the row)", () => {
    expect(rowAction({ key: "Enter" }, mid)).toBe("swallow");
    expect(rowAction({ key: "Enter", altKey: true }, mid)).toBe("swallow");
  });
  it("splits on Ctrl+Enter inside the text only", () => {
    expect(rowAction({ key: "Enter", ctrlKey: true }, mid)).toBe("split");
    expect(rowAction({ key: "Enter", metaKey: true }, mid)).toBe("split");
    expect(rowAction({ key: "Enter", ctrlKey: true }, { ...mid, pos: 0 })).toBe("swallow");
    expect(rowAction({ key: "Enter", ctrlKey: true, isComposing: true }, mid)).toBeNull();
  });
  it("merges with the previous segment on Backspace at the very start", () => {
    expect(rowAction({ key: "Backspace" }, { ...mid, pos: 0 })).toBe("merge-previous");
    expect(rowAction({ key: "Backspace" }, { ...mid, pos: 0, collapsed: false })).toBeNull();
    expect(rowAction({ key: "Backspace" }, mid)).toBeNull();
  });
  it("moves between segments with Up and Down at the edges", () => {
    expect(rowAction({ key: "ArrowUp" }, { ...mid, firstLine: true })).toBe("previous");
    expect(rowAction({ key: "ArrowUp" }, mid)).toBeNull();
    expect(rowAction({ key: "ArrowDown" }, { ...mid, lastLine: true })).toBe("next");
    expect(rowAction({ key: "ArrowDown", shiftKey: true }, { ...mid, lastLine: true })).toBeNull();
  });
});

describe("player shortcuts", () => {
  it("work with Ctrl (or Cmd) only, so typing is never taken", () => {
    expect(playerAction({ key: " ", ctrlKey: true })).toBe("toggle");
    expect(playerAction({ key: " " })).toBeNull();
    expect(playerAction({ key: "ArrowLeft", ctrlKey: true })).toBe("back");
    expect(playerAction({ key: "ArrowRight", metaKey: true })).toBe("forward");
    expect(playerAction({ key: "ArrowRight", ctrlKey: true, shiftKey: true })).toBeNull();
    expect(playerAction({ key: ".", ctrlKey: true })).toBe("faster");
    expect(playerAction({ key: ",", ctrlKey: true })).toBe("slower");
  });
  it("steps speed within 0.5–2× and skips within the file", () => {
    expect(stepSpeed(1, 1)).toBe(1.25);
    expect(stepSpeed(2, 1)).toBe(2);
    expect(stepSpeed(0.5, -1)).toBe(0.5);
    expect(stepSpeed(1, -1)).toBe(0.75);
    expect(skip(3, -5, 60)).toBe(0);
    expect(skip(58, 5, 60)).toBe(60);
    expect(skip(10, 5, NaN)).toBe(15);
  });
});
