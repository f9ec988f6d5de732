import { describe, expect, it } from "vitest";
import { AppError, ERROR_CODES, type ErrorCode } from "../../../src/core/errors.js";
import { renderError } from "../../../src/http/compat/loginradius/errors.js";
import { canonicalizeBody, lowerCaseQuery } from "../../../src/http/compat/loginradius/field-names.js";
import { loginRadiusDate } from "../../../src/http/compat/loginradius/schemas.js";

describe("LoginRadius error mapping (pure)", () => {
  it.each(Object.keys(ERROR_CODES) as ErrorCode[])("renders %s as an error envelope with an error status", (code) => {
    const { status, body } = renderError(new AppError(code));
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(600);
    expect(Object.keys(body).sort()).toEqual(["Description", "ErrorCode", "Message"]);
    expect(Number.isInteger(body.ErrorCode)).toBe(true);
    expect(body.Message.length).toBeGreaterThan(0);
    expect(body.Description).toMatch(/^[A-Z].*[.]$/);
  });

  it("answers anything unexpected with the seed's 7909, without the detail", () => {
    const internal = {
      ErrorCode: 7909,
      Message: "Operation failed due to an internal error.",
      Description: "An unknown internal error occurred, please try again in a few minutes or contact your system administrator.",
    };
    expect(renderError(new AppError("internal_error", { detail: "relation invitations does not exist" }))).toEqual({
      status: 500,
      body: internal,
    });
    expect(renderError(new AppError("service_unavailable"))).toEqual({ status: 503, body: internal });
  });

  it("renders codes LoginRadius has no number for with the HTTP status as ErrorCode", () => {
    expect(renderError(new AppError("duplicate_pending_invitation", { detail: "a@example.com already has a pending invitation" }))).toEqual(
      {
        status: 409,
        body: {
          ErrorCode: 409,
          Message: "A pending invitation already exists for this email",
          Description: "A@example.com already has a pending invitation.",
        },
      },
    );
  });

  it("takes a validation failure without a field for the whole body (7914)", () => {
    expect(renderError(new AppError("validation_failed")).body.ErrorCode).toBe(7914);
    expect(renderError(new AppError("validation_failed", { errors: [{ path: "", message: "must be object" }] })).body.ErrorCode).toBe(7914);
  });

  it("names core fields as LoginRadius callers know them", () => {
    const named = (path: string) => renderError(new AppError("validation_failed", { errors: [{ path, message: "is wrong" }] })).body;
    expect(named("/organizationId").Description).toBe("The orgId parameter is not valid: is wrong.");
    expect(named("/inviterUserId").Description).toBe("The inviterUid parameter is not valid: is wrong.");
    expect(named("/redirectUrl").Description).toBe("The invitation_url parameter is not valid: is wrong.");
    expect(named("/querystring/orgid").Description).toBe("The orgid parameter is not valid: is wrong.");
    expect(named("/roleIds/2").Description).toBe("The roleIds parameter is not valid: is wrong.");
    expect(named("/params/id").Description).toBe("The invitation id is required.");
  });
});

describe("LoginRadius field names (pure)", () => {
  const fields = ["email", "roleIds", "orgId", "inviterUid"];

  it("accepts any letter case and drops unknown fields", () => {
    expect(canonicalizeBody({ EMAIL: "a", RoleIds: [], orgid: "o", InviterUID: null, Colour: "red" }, fields)).toEqual({
      email: "a",
      roleIds: [],
      orgId: "o",
      inviterUid: null,
    });
  });

  it("refuses a field given twice and leaves non-objects to the schema", () => {
    expect(() => canonicalizeBody({ email: "a", Email: "b" }, fields)).toThrow(AppError);
    for (const value of [null, [1], "x", 3, undefined]) expect(canonicalizeBody(value, fields)).toBe(value);
  });

  it("does not let __proto__ through", () => {
    const body = JSON.parse('{"__proto__": {"polluted": true}, "email": "a"}') as unknown;
    const out = canonicalizeBody(body, fields) as Record<string, unknown>;
    expect(out).toEqual({ email: "a" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("lower-cases query names and turns a name repeated in any case into a list", () => {
    const query = lowerCaseQuery({ apiKey: "k", APISECRET: "s", OrgId: "o", orgid: "p", __proto__x: "1" });
    expect({ ...query }).toEqual({ apikey: "k", apisecret: "s", orgid: ["o", "p"], __proto__x: "1" });
  });

  it("writes dates as LoginRadius does: UTC, seconds, Z", () => {
    expect(loginRadiusDate(Date.parse("2023-01-01T00:00:00.999Z"))).toBe("2023-01-01T00:00:00Z");
  });
});
