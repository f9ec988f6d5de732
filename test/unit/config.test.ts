import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";

describe("configuration", () => {
  const base = { USHER_SECRET: "a-secret", USHER_DATA_DIR: "/nonexistent/usher" };

  it("writes SQLite's list pages on two threads, or one on a single core, unless told otherwise", () => {
    expect(loadConfig(base).listThreads).toBe(Math.min(2, availableParallelism()));
    expect(loadConfig({ ...base, USHER_LIST_THREADS: "0" }).listThreads).toBe(0);
    expect(loadConfig({ ...base, USHER_LIST_THREADS: "4" }).listThreads).toBe(4);
  });

  it.each(["", " ", "-1", "1.5", "17", "two", "0x2"])("refuses USHER_LIST_THREADS=%j with a message naming it", (value) => {
    expect(() => loadConfig({ ...base, USHER_LIST_THREADS: value })).toThrow(/^USHER_LIST_THREADS must be an integer between 0 and 16/);
  });

  it("carries PostgreSQL's list pages on one pipelined connection per two cores, unless told otherwise", () => {
    expect(loadConfig(base).listConnections).toBe(Math.max(1, Math.floor(availableParallelism() / 2)));
    expect(loadConfig({ ...base, USHER_LIST_CONNECTIONS: "0" }).listConnections).toBe(0);
    expect(loadConfig({ ...base, USHER_LIST_CONNECTIONS: "3" }).listConnections).toBe(3);
  });

  it.each(["", "-1", "65", "one"])("refuses USHER_LIST_CONNECTIONS=%j with a message naming it", (value) => {
    expect(() => loadConfig({ ...base, USHER_LIST_CONNECTIONS: value })).toThrow(
      /^USHER_LIST_CONNECTIONS must be an integer between 0 and 64/,
    );
  });
});
