import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/db/group-commit.js";

interface Item {
  id: number;
  key: string;
  poison?: boolean;
}

/** A writer that records its groups and fails any group holding a poisoned item. */
function recordingWriter() {
  const groups: number[][] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const write = async (items: Item[]) => {
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    groups.push(items.map((i) => i.id));
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight -= 1;
    if (items.some((i) => i.poison)) throw new Error("poisoned group");
  };
  return { write, groups, mostInFlight: () => mostInFlight };
}

const items = (n: number, key = (i: number) => `k${i}`): Item[] => Array.from({ length: n }, (_, i) => ({ id: i, key: key(i) }));

describe("group commit", () => {
  it("writes what arrives together as one group, up to its size", async () => {
    const writer = recordingWriter();
    const commit = new GroupCommit<Item>(writer.write, { maxItems: 10, concurrency: 1 }, (i) => i.key);
    await Promise.all(items(25).map((item) => commit.submit(item)));
    expect(writer.groups.map((g) => g.length)).toEqual([10, 10, 5]);
    expect(writer.groups.flat().sort((a, b) => a - b)).toEqual(items(25).map((i) => i.id));
    expect(commit.stats).toEqual({ groups: 3, items: 25, largest: 10 });
  });

  it("never puts two items of one key in one group", async () => {
    const writer = recordingWriter();
    const commit = new GroupCommit<Item>(writer.write, { maxItems: 100, concurrency: 1 }, (i) => i.key);
    await Promise.all(items(12, (i) => `k${i % 3}`).map((item) => commit.submit(item)));
    for (const group of writer.groups) expect(new Set(group.map((id) => id % 3)).size).toBe(group.length);
    expect(writer.groups).toHaveLength(4);
  });

  it("writes a failed group's items again one by one, so only the bad one fails", async () => {
    const writer = recordingWriter();
    const commit = new GroupCommit<Item>(writer.write, { maxItems: 100, concurrency: 1 }, (i) => i.key);
    const all = items(6);
    all[3] = { id: 3, key: "k3", poison: true };
    const outcomes = await Promise.allSettled(all.map((item) => commit.submit(item)));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(writer.groups[0]).toHaveLength(6);
    expect(writer.groups.slice(1)).toEqual(all.map((i) => [i.id]));
  });

  it("keeps at most `concurrency` groups in flight", async () => {
    const writer = recordingWriter();
    const commit = new GroupCommit<Item>(writer.write, { maxItems: 2, concurrency: 3 }, (i) => i.key);
    await Promise.all(items(20).map((item) => commit.submit(item)));
    expect(writer.mostInFlight()).toBe(3);
    expect(writer.groups.flat()).toHaveLength(20);
  });
});
