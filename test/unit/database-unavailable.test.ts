import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "../../src/db/errors.js";
import { toAppError } from "../../src/http/framework-errors.js";

describe("a database out of reach", () => {
  const unavailable = [
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
    Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
    new Error("Connection terminated unexpectedly"),
    new Error("Client has encountered a connection error and is not queryable"),
    new Error("timeout exceeded when trying to connect"),
    Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
    Object.assign(new Error("the database system is starting up"), { code: "57P03" }),
    Object.assign(new Error("sorry, too many clients already"), { code: "53300" }),
    Object.assign(new Error("connection failure"), { code: "08006" }),
    Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }),
    Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }),
  ];
  const refused = [
    Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" }),
    Object.assign(new Error("invalid input syntax"), { code: "22P02" }),
    Object.assign(new Error("syntax error"), { code: "42601" }),
    // A driver's sentence under another code is the code's.
    Object.assign(new Error("Connection terminated unexpectedly"), { code: "23505" }),
    new Error("something else"),
    "Connection terminated",
    null,
  ];

  it("is told from a statement the database refused", () => {
    for (const error of unavailable) expect(isDatabaseUnavailable(error), String(error)).toBe(true);
    for (const error of refused) expect(isDatabaseUnavailable(error), String(error)).toBe(false);
  });

  it("answers 503 service_unavailable with Retry-After; anything unknown stays a 500", () => {
    for (const error of unavailable) expect(toAppError(error)).toMatchObject({ code: "service_unavailable", status: 503, retryAfter: 1 });
    expect(toAppError(new Error("something else"))).toMatchObject({ code: "internal_error", status: 500 });
  });
});
