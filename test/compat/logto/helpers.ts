import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { expect } from "vitest";
import type { Client } from "../../helpers/harness.js";

export interface LogtoInvitation {
  tenantId: string;
  id: string;
  inviterId: string | null;
  invitee: string;
  acceptedUserId: string | null;
  organizationId: string;
  status: "Pending" | "Accepted" | "Expired" | "Revoked";
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  organizationRoles: Array<{ id: string; name: string }>;
}

export interface LogtoErrorBody {
  code: string;
  message: string;
  data?: unknown;
}

export const DAY_MS = 86_400_000;

/** An organization and a role made through the Logto routes themselves. */
export async function seedLogtoOrganization(api: Client, name = "Acme") {
  const org = await api.post<{ id: string }>("/api/organizations", { name });
  const role = await api.post<{ id: string; name: string }>("/api/organization-roles", {
    name: `member-${randomBytes(3).toString("hex")}`,
  });
  if (org.status !== 201 || role.status !== 201) throw new Error(`seed failed: ${org.text} ${role.text}`);
  return { organizationId: org.body.id, roleId: role.body.id, roleName: role.body.name };
}

export function expectLogtoError(res: { status: number; body: unknown }, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ code, message: expect.any(String) });
  const keys = Object.keys(res.body as object).sort();
  expect(keys.filter((k) => !["code", "message", "data"].includes(k))).toEqual([]);
}

/** A POST whose raw body and content type the test chooses. */
export async function rawPost(app: FastifyInstance, url: string, key: string, payload: string, contentType: string) {
  const res = await app.inject({ method: "POST", url, payload, headers: { authorization: `Bearer ${key}`, "content-type": contentType } });
  return { status: res.statusCode, body: res.json() as unknown, headers: res.headers };
}

/** An access token from the token endpoint, by form fields. */
export async function fetchAccessToken(app: FastifyInstance, apiKey: string): Promise<string> {
  const [clientId = "", clientSecret = ""] = apiKey.split(".");
  const res = await app.inject({
    method: "POST",
    url: "/oidc/token",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      resource: "https://default.logto.app/api",
      scope: "all",
    }).toString(),
  });
  if (res.statusCode !== 200) throw new Error(`token request failed: ${res.body}`);
  return (res.json() as { access_token: string }).access_token;
}
