import { describe, expect, it } from "vitest";
import { AppError, type ErrorCode } from "../../../src/core/errors.js";
import { fromAppError } from "../../../src/http/compat/logto/errors.js";

describe("Logto error mapping (pure)", () => {
  it("hides internals of internal errors behind request.general", () => {
    const mapped = fromAppError(new AppError("internal_error", { detail: "select * from secrets failed" }));
    expect(mapped).toMatchObject({ status: 500, code: "request.general", message: "An internal error occurred.", data: undefined });
  });

  it("keeps the 501 of a missing sender with Logto's connector sentence", () => {
    const mapped = fromAppError(new AppError("email_sender_not_configured"));
    expect(mapped).toMatchObject({
      status: 501,
      code: "connector.not_found",
      message: "Cannot find any available connector for type: Email.",
    });
  });

  it("gives auth errors no data and names the query part of a query validation failure", () => {
    expect(fromAppError(new AppError("unauthorized", { detail: "send a valid API key" })).data).toBeUndefined();
    const query = fromAppError(
      new AppError("validation_failed", { errors: [{ path: "/querystring/page", message: "must be string" }] }),
      "querystring",
    );
    expect(query).toMatchObject({ status: 400, code: "guard.invalid_input", message: "The request query is invalid." });
    expect(query.data).toEqual({ issues: [{ path: "/page", message: "must be string" }] });
  });

  it("falls back on the core status for codes it does not know yet", () => {
    const future = Object.assign(new AppError("validation_failed"), { code: "some_new_code" as ErrorCode, status: 409 });
    expect(fromAppError(future)).toMatchObject({ status: 409, code: "request.invalid_input" });
  });
});
