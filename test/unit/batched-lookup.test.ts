import { describe, expect, it } from "vitest";
import { BatchedLookup } from "../../src/core/batched-lookup.js";

describe("batched lookups", () => {
  it("answers the lookups of one turn with one query, each with its own value", async () => {
    const queries: string[][] = [];
    const lookup = new BatchedLookup<number>(async (keys) => {
      queries.push(keys);
      return new Map(keys.filter((k) => k !== "missing").map((k) => [k, k.length]));
    });
    const answers = await Promise.all(["a", "bb", "missing", "a", "cccc"].map((k) => lookup.load(k)));
    expect(answers).toEqual([1, 2, undefined, 1, 4]);
    expect(queries).toEqual([["a", "bb", "missing", "cccc"]]);
    expect(await lookup.load("ddd")).toBe(3);
    expect(queries).toHaveLength(2);
  });

  it("splits a large turn into queries of at most maxKeys, and a failed query fails only its own", async () => {
    const queries: string[][] = [];
    const lookup = new BatchedLookup<string>(async (keys) => {
      queries.push(keys);
      if (keys.includes("k3")) throw new Error("down");
      return new Map(keys.map((k) => [k, k.toUpperCase()]));
    }, 3);
    const answers = await Promise.allSettled(Array.from({ length: 7 }, (_, i) => lookup.load(`k${i}`)));
    expect(queries.map((q) => q.length)).toEqual([3, 3, 1]);
    expect(answers.map((a) => a.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected", "rejected", "rejected", "fulfilled"]);
    expect(answers[6]).toEqual({ status: "fulfilled", value: "K6" });
  });
});
