import { describe, expect, it } from "vitest";
import { palette, speakerColor } from "./colors";

describe("speaker colours", () => {
  it("gives eight speakers eight distinct colours and honours a chosen one", () => {
    const speakers = Array.from({ length: 8 }, (_, i) => ({ id: `S${i + 1}`, name: "" }));
    const cs = speakers.map((s) => speakerColor({ speakers }, s.id));
    expect(new Set(cs).size).toBe(8);
    expect(cs).toEqual(palette);
    speakers[2] = { ...speakers[2], color: "#123456" } as (typeof speakers)[number];
    expect(speakerColor({ speakers }, "S3")).toBe("#123456");
    expect(speakerColor({ speakers }, undefined)).toBe("transparent");
  });
});
