import { describe, expect, it } from "vitest";
import { ConnectionGate } from "../../src/db/sqlite-dialect.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("ConnectionGate", () => {
  it("closes only once those inside have left, and holds newcomers until it opens", async () => {
    const gate = new ConnectionGate();
    const order: string[] = [];
    await gate.enter();
    const closing = gate.close().then((open) => {
      order.push("closed");
      return open;
    });
    await tick();
    expect(order).toEqual([]);
    const late = gate.enter().then(() => order.push("late entered"));
    gate.leave();
    const open = await closing;
    await tick();
    expect(order).toEqual(["closed"]);
    open();
    open(); // twice is harmless
    await late;
    expect(order).toEqual(["closed", "late entered"]);
    gate.leave();
  });

  it("closes at once when nobody is inside, and lets one closer in at a time", async () => {
    const gate = new ConnectionGate();
    const first = await gate.close();
    let second: (() => void) | undefined;
    const pending = gate.close().then((open) => {
      second = open;
    });
    await tick();
    expect(second).toBeUndefined();
    first();
    await pending;
    expect(second).toBeTypeOf("function");
    second?.();
    await gate.enter();
    gate.leave();
  });
});
