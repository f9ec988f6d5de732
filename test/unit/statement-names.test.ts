import { describe, expect, it } from "vitest";
import { StatementNames } from "../../src/db/postgres-pool.js";

describe("StatementNames", () => {
  it("names a text from its third run on, the same name every time", () => {
    const names = new StatementNames(10, 3);
    expect(names.for("select 1")).toBeUndefined();
    expect(names.for("select 1")).toBeUndefined();
    const name = names.for("select 1");
    expect(name).toMatch(/^usher_\d+$/);
    expect(names.for("select 1")).toBe(name);
    expect(names.for("select 2")).toBeUndefined();
  });

  it("never names a text with a list of parameters, another text for every length", () => {
    const names = new StatementNames(10, 1);
    expect(names.for('select * from "roles" where "id" in ($1, $2)')).toBeUndefined();
    expect(names.for('select * from "roles" where "id" in ($1)')).toBeUndefined();
    expect(names.for('select * from "roles" where "id" = any($1)')).toBeDefined();
  });

  it("renews the name of a named text only, never giving an old name again", () => {
    const names = new StatementNames(10, 1);
    expect(names.renew("select 1")).toBeUndefined();
    const first = names.for("select 1");
    const renewed = names.renew("select 1");
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(first);
    expect(names.for("select 1")).toBe(renewed);
    expect(names.for("select 2")).not.toBe(first);
  });

  it("gives every text its own name and stops naming at the cap", () => {
    const names = new StatementNames(2, 1);
    const a = names.for("select a");
    const b = names.for("select b");
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(a).not.toBe(b);
    expect(names.for("select c")).toBeUndefined();
    expect(names.size).toBe(2);
    expect(names.for("select a")).toBe(a);
  });
});
