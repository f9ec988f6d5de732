import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ascii, PageBytes, PageMemories } from "../../src/invitations/page-bytes.js";

describe("a page written as bytes", () => {
  it("holds exactly the UTF-8 of what was written, however far it outgrows its memory", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: "binary", maxLength: 40 }).map((text) => ({ text })),
            fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }).map((time) => ({ time })),
            fc.string({ unit: fc.constantFrom("a", "{", '"', ":"), maxLength: 12 }).map((bytes) => ({ bytes })),
          ),
          { maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 64 }),
        (pieces, size) => {
          const out = new PageBytes(Buffer.alloc(size));
          let expected = "";
          for (const piece of pieces) {
            if ("text" in piece) {
              out.text(piece.text);
              expected += piece.text;
            } else if ("time" in piece) {
              out.time(piece.time);
              expected += `"${new Date(piece.time).toISOString()}"`;
            } else {
              out.bytes(ascii(piece.bytes));
              expected += piece.bytes;
            }
          }
          expect(out.written.equals(Buffer.from(expected, "utf8"))).toBe(true);
          expect(out.size).toBe(out.written.length);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("takes back its last bytes and skips the start of a piece when asked", () => {
    const out = new PageBytes(Buffer.alloc(4));
    out.text('{"a":1}');
    out.drop(1);
    out.bytes(ascii(',"b":2'), 1);
    out.byte(0x7d);
    expect(out.written.toString()).toBe('{"a":1"b":2}');
  });
});

describe("page memories", () => {
  it("hand out again the memory of a sent page, and only memory they handed out", () => {
    const memories = new PageMemories(2);
    const first = memories.take();
    memories.give(first.subarray(0, 10));
    expect(memories.take().buffer).toBe(first.buffer);
    const foreign = Buffer.alloc(100);
    memories.give(foreign);
    expect(memories.take().buffer).not.toBe(foreign.buffer);
  });
});
