import { writeIsoTime } from "../core/iso-time.js";

/** Room for a page of 50 and some, so that one memory serves most pages. */
export const PAGE_MEMORY = 64 * 1024;

/**
 * A list page written straight into memory as UTF-8 (ADR 0026), rather than built as a string
 * of some hundred pieces per row: the pieces (a dozen strings for each timestamp, one for each
 * field) were most of what a page allocated, lived for as long as the page waited to be sent,
 * and then had to be flattened and encoded again for the socket.
 */
export class PageBytes {
  private memory: Buffer;
  private view: DataView;
  private length = 0;

  constructor(memory: Buffer) {
    this.memory = memory;
    this.view = viewOf(memory);
  }

  /** The page so far: a view of the memory, valid until the next write. */
  get written(): Buffer {
    return this.memory.subarray(0, this.length);
  }

  /** The memory the page is in (larger than the page; replaced when the page outgrew it). */
  get buffer(): ArrayBuffer {
    return this.memory.buffer as ArrayBuffer;
  }

  get size(): number {
    return this.length;
  }

  /** Any text, as UTF-8. */
  text(value: string): void {
    // A UTF-16 unit is at most three bytes of UTF-8 (a pair of them, four).
    this.room(3 * value.length);
    this.length += this.memory.write(value, this.length, "utf8");
  }

  /**
   * Text known in advance: keys and other constant pieces. Written four bytes at a time, which
   * is three times as fast as byte by byte for a key of a dozen, and keys are a page's most
   * bytes; the last four are written over the whole, so that no byte is left.
   */
  ascii(value: Ascii): void {
    const count = value.length;
    this.room(count);
    const at = this.length;
    if (count >= 4) {
      const { view } = this;
      const words = value.words;
      for (let i = 0; i < words.length; i++) view.setInt32(at + 4 * i, words[i] as number, true);
      view.setInt32(at + count - 4, value.last, true);
    } else {
      const { memory } = this;
      const bytes = value.bytes;
      for (let i = 0; i < count; i++) memory[at + i] = bytes[i] as number;
    }
    this.length = at + count;
  }

  /** Text the caller knows to be ASCII (a token, say), without a call into the runtime. */
  asciiText(text: string): void {
    const count = text.length;
    this.room(count);
    const { memory } = this;
    const at = this.length;
    for (let i = 0; i < count; i++) memory[at + i] = text.charCodeAt(i);
    this.length = at + count;
  }

  /** `source` from `start` to `end`, bytes of JSON already (a number, a stored JSON text). */
  copy(source: Buffer, start: number, end: number): void {
    const count = end - start;
    this.room(count);
    const memory = this.memory;
    let at = this.length;
    if (count > 32) {
      source.copy(memory, at, start, end);
      this.length = at + count;
      return;
    }
    for (let i = start; i < end; i++) memory[at++] = source[i] as number;
    this.length = at;
  }

  /**
   * `source` from `start` to `end`, UTF-8 text, as a JSON string: escaped as `JSON.stringify`
   * and PostgreSQL's `to_json` escape (`\"`, `\\`, the short escapes of control characters,
   * `\u00xx` for the others); every other byte, UTF-8 included, is copied as it is.
   */
  jsonString(source: Buffer, start: number, end: number): void {
    // A byte is at most six bytes escaped.
    this.room(2 + 6 * (end - start));
    const memory = this.memory;
    let at = this.length;
    memory[at++] = QUOTE;
    for (let i = start; i < end; i++) {
      const b = source[i] as number;
      if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) {
        memory[at++] = b;
        continue;
      }
      memory[at++] = BACKSLASH;
      const short = SHORT_ESCAPES[b];
      if (short !== undefined) {
        memory[at++] = short;
        continue;
      }
      memory[at++] = 0x75; // u
      memory[at++] = 0x30;
      memory[at++] = 0x30;
      memory[at++] = HEX[b >> 4] as number;
      memory[at++] = HEX[b & 15] as number;
    }
    memory[at++] = QUOTE;
    this.length = at;
  }

  byte(value: number): void {
    this.room(1);
    this.memory[this.length++] = value;
  }

  /** A timestamp as a JSON string, `"2026-12-06T20:12:51.790Z"`. */
  time(ms: number): void {
    this.room(32);
    this.memory[this.length] = QUOTE;
    const end = writeIsoTime(this.memory, this.length + 1, ms);
    if (end < 0) {
      this.text(`"${new Date(ms).toISOString()}"`);
      return;
    }
    this.memory[end] = QUOTE;
    this.length = end + 1;
  }

  /** Takes back the last `count` bytes written (ASCII the caller wrote). */
  drop(count: number): void {
    this.length -= count;
  }

  private room(count: number): void {
    if (this.length + count <= this.memory.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(2 * this.memory.length, this.length + count));
    this.memory.copy(bigger, 0, 0, this.length);
    this.memory = bigger;
    this.view = viewOf(bigger);
  }
}

function viewOf(memory: Buffer): DataView {
  return new DataView(memory.buffer, memory.byteOffset, memory.length);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = Buffer.from("0123456789abcdef", "latin1");
/** The byte after the backslash for the characters JSON escapes short: `"`, `\\`, \b \t \n \f \r. */
const SHORT_ESCAPES: Readonly<Record<number, number>> = {
  [QUOTE]: QUOTE,
  [BACKSLASH]: BACKSLASH,
  8: 0x62,
  9: 0x74,
  10: 0x6e,
  12: 0x66,
  13: 0x72,
};

/** Text known to be ASCII, prepared once for `PageBytes.ascii`. */
export class Ascii {
  readonly bytes: Uint8Array;
  /** The bytes four by four, as little-endian words, and the last four (when there are four). */
  readonly words: Int32Array;
  readonly last: number;
  readonly length: number;

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) throw new Error(`not ASCII: ${text}`);
    this.bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    const view = new DataView(this.bytes.buffer);
    this.words = Int32Array.from({ length: Math.floor(text.length / 4) }, (_, i) => view.getInt32(4 * i, true));
    this.last = text.length >= 4 ? view.getInt32(text.length - 4, true) : 0;
    this.length = text.length;
  }
}

export function ascii(text: string): Ascii {
  return new Ascii(text);
}

/**
 * Memories for pages written on the event loop, given back once the socket has had the page
 * (`give`), so that pages do not each allocate tens of KB outside the heap and leave them to
 * the collector. Bounded: what is not needed again is dropped.
 */
export class PageMemories {
  private readonly spare: ArrayBuffer[] = [];
  private readonly mine = new WeakSet<ArrayBuffer>();

  constructor(private readonly most = 64) {}

  take(): Buffer {
    const memory = this.spare.pop() ?? new ArrayBuffer(PAGE_MEMORY);
    this.mine.add(memory);
    return Buffer.from(memory);
  }

  /** Takes a sent page's memory back, if it came from here; a page that outgrew it is dropped. */
  give(page: Buffer): void {
    const memory = page.buffer as ArrayBuffer;
    if (!this.mine.has(memory)) return;
    this.mine.delete(memory);
    if (this.spare.length < this.most) this.spare.push(memory);
  }
}
