import { Type } from "@sinclair/typebox";
import type { ApiKey } from "../../api-keys/api-key-service.js";
import { SCOPES } from "../../api-keys/scopes.js";
import type { Usher } from "../../container.js";
import { AppError } from "../../core/errors.js";
import { LifetimeSchema, LimitsSchema, redactSmtpUrl, type TenantSettings } from "../../settings/settings.js";
import { IdParams, iso, Nullable, PageQuery, Timestamp } from "./schemas.js";
import { actorOf, type NativeApp } from "./types.js";

const ScopeSchema = Type.Union(SCOPES.map((s) => Type.Literal(s)));
const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  userId: Nullable(Type.String()),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
});
const TenantSchema = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Timestamp });

const SettingsSchema = Type.Object({
  invitationLifetime: LifetimeSchema,
  acceptUrl: Nullable(Type.String()),
  locale: Type.String(),
  brandName: Nullable(Type.String()),
  limits: LimitsSchema,
  email: Type.Object({
    smtpUrl: Nullable(Type.String()),
    from: Nullable(Type.String()),
    senderConfigured: Type.Boolean(),
    captureIsSender: Type.Boolean(),
  }),
  templates: Type.Record(Type.String(), Type.Unknown()),
});

const SettingsPatchSchema = Type.Object(
  {
    invitationLifetime: Type.Optional(Type.Partial(LifetimeSchema, { additionalProperties: false })),
    acceptUrl: Type.Optional(Nullable(Type.String({ format: "uri", maxLength: 2048 }))),
    locale: Type.Optional(Type.String({ minLength: 2, maxLength: 35 })),
    brandName: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    limits: Type.Optional(Type.Partial(LimitsSchema, { additionalProperties: false })),
    email: Type.Optional(
      Type.Object(
        {
          smtpUrl: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
          from: Type.Optional(Nullable(Type.String({ maxLength: 320 }))),
          captureIsSender: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    templates: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export function settingsView(settings: TenantSettings, serverSmtpUrl: string | undefined) {
  return {
    ...settings,
    email: {
      smtpUrl: redactSmtpUrl(settings.email.smtpUrl),
      from: settings.email.from,
      captureIsSender: settings.email.captureIsSender,
      senderConfigured: Boolean(settings.email.smtpUrl ?? serverSmtpUrl) || settings.email.captureIsSender,
    },
  };
}

/** Settings, API keys, tenants, events and the captured mailbox. */
export async function adminRoutes(app: NativeApp, usher: Usher): Promise<void> {
  app.get("/settings", { schema: { tags: ["settings"], response: { 200: SettingsSchema } } }, async (request) =>
    settingsView(await usher.settings.get(request.auth.tenantId), usher.config.smtpUrl),
  );
  app.patch(
    "/settings",
    { config: { scope: "settings:write" }, schema: { tags: ["settings"], body: SettingsPatchSchema, response: { 200: SettingsSchema } } },
    async (request) =>
      settingsView(await usher.settings.update(request.auth.tenantId, actorOf(request), request.body), usher.config.smtpUrl),
  );

  app.post(
    "/api-keys",
    {
      config: { scope: "keys:write" },
      schema: {
        tags: ["api keys"],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            scopes: Type.Optional(Type.Array(ScopeSchema, { maxItems: SCOPES.length })),
            userId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ apiKey: ApiKeySchema, key: Type.String() }) },
      },
    },
    async (request, reply) => {
      if (request.body.scopes?.includes("platform") && !request.auth.scopes.includes("platform")) {
        throw new AppError("forbidden", { detail: "only a platform key can grant the platform scope" });
      }
      const created = await usher.apiKeys.createStandalone(request.auth.tenantId, actorOf(request), request.body);
      return reply.code(201).send({ key: created.key, apiKey: keyView(created.apiKey) });
    },
  );
  app.get(
    "/api-keys",
    {
      config: { scope: "keys:write" },
      schema: { tags: ["api keys"], response: { 200: Type.Object({ data: Type.Array(ApiKeySchema), nextCursor: Type.Null() }) } },
    },
    async (request) => ({ data: (await usher.apiKeys.list(request.auth.tenantId)).map(keyView), nextCursor: null }),
  );
  app.delete(
    "/api-keys/:id",
    { config: { scope: "keys:write" }, schema: { tags: ["api keys"], params: IdParams } },
    async (request, reply) => {
      await usher.apiKeys.revoke(request.auth.tenantId, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    "/tenants",
    {
      config: { scope: "platform" },
      schema: {
        tags: ["tenants"],
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ tenant: TenantSchema, apiKey: Type.Object({ id: Type.String(), key: Type.String() }) }) },
      },
    },
    async (request, reply) => {
      const { tenant, apiKey } = await usher.tenants.create(actorOf(request), request.body);
      return reply
        .code(201)
        .send({ tenant: { ...tenant, createdAt: iso(tenant.createdAt) }, apiKey: { id: apiKey.apiKey.id, key: apiKey.key } });
    },
  );
  app.get(
    "/tenants",
    {
      config: { scope: "platform" },
      schema: { tags: ["tenants"], response: { 200: Type.Object({ data: Type.Array(TenantSchema), nextCursor: Type.Null() }) } },
    },
    async () => ({ data: (await usher.tenants.list()).map((t) => ({ ...t, createdAt: iso(t.createdAt) })), nextCursor: null }),
  );

  app.get(
    "/events",
    {
      config: { scope: "events:read" },
      schema: {
        tags: ["events"],
        querystring: Type.Object(
          {
            type: Type.Optional(Type.String({ maxLength: 100 })),
            organizationId: Type.Optional(Type.String({ maxLength: 64 })),
            invitationId: Type.Optional(Type.String({ maxLength: 64 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { limit = 50, ...filter } = request.query;
      const page = await usher.events.list(request.auth.tenantId, { ...filter, limit });
      return { ...page, data: page.data.map((e) => ({ ...e, createdAt: iso(e.createdAt) })) };
    },
  );

  app.get(
    "/mailbox",
    {
      config: { scope: "invitations:read" },
      schema: {
        tags: ["mailbox"],
        querystring: Type.Object(
          {
            to: Type.Optional(Type.String({ maxLength: 320 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const page = await usher.mailbox.list(request.auth.tenantId, { ...request.query, limit: request.query.limit ?? 50 });
      return { ...page, data: page.data.map((m) => ({ ...m, createdAt: iso(m.createdAt) })) };
    },
  );
}

function keyView(key: ApiKey) {
  return { ...key, createdAt: iso(key.createdAt), lastUsedAt: iso(key.lastUsedAt), revokedAt: iso(key.revokedAt) };
}
