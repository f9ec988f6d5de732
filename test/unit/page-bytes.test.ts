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
            fc.string({ unit: fc.constantFrom("a", "{", '"', ":", "\u0000", "\u007f"), maxLength: 12 }).map((bytes) => ({ bytes })),
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
              out.ascii(ascii(piece.bytes));
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

  it("takes back its last bytes", () => {
    const out = new PageBytes(Buffer.alloc(4));
    out.text('{"a":1}');
    out.drop(1);
    out.ascii(ascii(',"b":2'));
    out.byte(0x7d);
    expect(out.written.toString()).toBe('{"a":1,"b":2}');
  });
});

describe("fields copied from a row's bytes", () => {
  it("are written as JSON strings exactly as JSON.stringify writes them, whatever they hold", () => {
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 80 }),
      fc.string({ unit: fc.constantFrom("a", '"', "\\", "\n", "\u0000", "\u001f", "\u007f", "é", "🎉", "\u2028"), maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(text, { maxLength: 6 }), fc.integer({ min: 1, max: 64 }), (texts, size) => {
        // Each field within a larger message, as a row's fields are.
        const message = Buffer.from(`<${texts.join("|")}>`, "utf8");
        const out = new PageBytes(Buffer.alloc(size));
        let at = 1;
        for (const [i, t] of texts.entries()) {
          const end = at + Buffer.byteLength(t, "utf8");
          if (i > 0) out.byte(0x2c);
          out.jsonString(message, at, end);
          at = end + 1;
        }
        expect(out.written.toString("utf8")).toBe(texts.map((t) => JSON.stringify(t)).join(","));
      }),
      { numRuns: 2_000 },
    );
  });

  it("are copied as they are, short and long", () => {
    const message = Buffer.from(`x${"0123456789".repeat(5)}y`);
    const out = new PageBytes(Buffer.alloc(8));
    out.copy(message, 1, 4);
    out.copy(message, 1, 51);
    expect(out.written.toString()).toBe(`012${"0123456789".repeat(5)}`);
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
