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
  private length = 0;

  constructor(memory: Buffer) {
    this.memory = memory;
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

  /** Bytes already encoded: keys and other constant pieces, or a document as it arrived. */
  bytes(value: Uint8Array, from = 0): void {
    const count = value.length - from;
    this.room(count);
    const memory = this.memory;
    let at = this.length;
    if (count > 32) {
      memory.set(from === 0 ? value : value.subarray(from), at);
      this.length = at + count;
      return;
    }
    // A key is a dozen bytes: a loop costs less than a call into the runtime.
    for (let i = from; i < value.length; i++) memory[at++] = value[i] as number;
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
  }
}

const QUOTE = 0x22;

/** Text known to be ASCII, as bytes once, for `PageBytes.bytes`. */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
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
