import type { FastifyInstance } from "fastify";
import { expect } from "vitest";

export const PREFIX = "/v2/manage/invitations";

export interface LrAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
  headers: import("node:http").OutgoingHttpHeaders;
}

export interface LrCall {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  /** Path under the prefix, with its own query string if any (`?invitation_url=…`). */
  path: string;
  /** Raw bytes, sent as they are; objects are serialized with JSON.stringify. */
  body?: string | object;
  headers?: Record<string, string>;
  /** Leave the credentials out of the query string. */
  anonymous?: boolean;
}

/** A LoginRadius-style client over `inject`: `apikey` and `apisecret` in the query string. */
export function loginRadiusClient(app: FastifyInstance, key: string) {
  const dot = key.indexOf(".");
  const apikey = key.slice(0, dot);
  const apisecret = key.slice(dot + 1);
  const credentials = `apikey=${encodeURIComponent(apikey)}&apisecret=${encodeURIComponent(apisecret)}`;

  async function call<T = Record<string, unknown>>(request: LrCall): Promise<LrAnswer<T>> {
    const separator = request.path.includes("?") ? "&" : "?";
    const url = `${PREFIX}${request.path}${request.anonymous ? "" : `${separator}${credentials}`}`;
    const body = request.body === undefined || typeof request.body === "string" ? request.body : JSON.stringify(request.body);
    const headers = { ...(body !== undefined && { "content-type": "application/json" }), ...request.headers };
    const response = await app.inject({ method: request.method, url, headers, ...(body !== undefined && { payload: body }) });
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      parsed = response.body;
    }
    return { status: response.statusCode, body: parsed as T, text: response.body, headers: response.headers };
  }

  return {
    apikey,
    apisecret,
    call,
    send: <T = Record<string, unknown>>(body: string | object, query = "") => call<T>({ method: "POST", path: query, body }),
    get: <T = Record<string, unknown>>(path: string) => call<T>({ method: "GET", path }),
    put: <T = Record<string, unknown>>(path: string, body?: string | object) => call<T>({ method: "PUT", path, body }),
    delete: <T = Record<string, unknown>>(path: string) => call<T>({ method: "DELETE", path }),
    resend: <T = Record<string, unknown>>(id: string) => call<T>({ method: "POST", path: `/${id}/resend` }),
  };
}

export type LoginRadiusClient = ReturnType<typeof loginRadiusClient>;

/** Every error of the dialect: exactly ErrorCode, Message and Description, JSON. */
export function expectEnvelope(answer: LrAnswer<unknown>): void {
  expect(answer.headers["content-type"]).toMatch(/^application\/json/);
  const body = answer.body as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(["Description", "ErrorCode", "Message"]);
  expect(Number.isInteger(body.ErrorCode)).toBe(true);
  expect(typeof body.Message).toBe("string");
  expect(typeof body.Description).toBe("string");
}

/** ISO 8601 in UTC without milliseconds, as in the seed: `2023-01-01T00:00:00Z`. */
export const LR_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export const INVITATION_KEYS = [
  "Id",
  "EmailId",
  "Status",
  "RoleIds",
  "OrgId",
  "CreatedDate",
  "ExpirationDate",
  "ModifiedDate",
  "InviterUid",
];

export interface LrInvitation {
  Id: string;
  EmailId: string;
  Status: string;
  RoleIds: string[];
  OrgId: string;
  CreatedDate: string;
  ExpirationDate: string;
  ModifiedDate: string;
  InviterUid: string | null;
}
