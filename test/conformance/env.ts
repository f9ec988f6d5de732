import { ManualClock } from "../../src/core/clock.js";
import { client, createTestContext, type DbKind, seedOrganization, uniqueEmail } from "../helpers/harness.js";
import type { Env } from "./dialect.js";

const envs = new Map<DbKind, Promise<Env>>();

/** One running service per database, shared by every dialect (each case makes its own data). */
export function envFor(kind: DbKind): Promise<Env> {
  let env = envs.get(kind);
  if (!env) {
    env = startEnv(kind);
    envs.set(kind, env);
  }
  return env;
}

export async function closeEnvs(): Promise<void> {
  for (const env of envs.values()) await (await env).ctx.close();
  envs.clear();
}

async function startEnv(kind: DbKind): Promise<Env> {
  const clock = new ManualClock(Date.now());
  const ctx = await createTestContext(kind, { overrides: { clock } });
  const admin = client(ctx.app, ctx.adminKey);
  const tenant = await admin.post<{ apiKey: { key: string } }>("/v1/tenants", { name: "Other tenant" });
  if (tenant.status !== 201) throw new Error(`tenant: ${tenant.text}`);
  const otherAdmin = client(ctx.app, tenant.body.apiKey.key);
  const { organizationId, roleId } = await seedOrganization(otherAdmin, "Other tenant's organization");
  const invitation = await otherAdmin.post<{ id: string; acceptUrl: string }>("/v1/invitations", {
    organizationId,
    email: uniqueEmail("other-tenant"),
    sendEmail: false,
  });
  if (invitation.status !== 201) throw new Error(`invitation: ${invitation.text}`);
  const readOnly = await admin.post<{ key: string }>("/v1/api-keys", { name: "read only", scopes: ["invitations:read"] });
  if (readOnly.status !== 201) throw new Error(`key: ${readOnly.text}`);
  return {
    ctx,
    app: ctx.app,
    clock,
    admin,
    adminKey: ctx.adminKey,
    readOnlyKey: readOnly.body.key,
    other: { admin: otherAdmin, organizationId, roleId, invitation: { id: invitation.body.id, acceptUrl: invitation.body.acceptUrl } },
  };
}
