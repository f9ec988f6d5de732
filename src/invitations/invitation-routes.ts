import { Type } from "@sinclair/typebox";
import type { Usher } from "../container.js";
import {
  IdParams,
  InvitationSchema,
  InvitationStatusSchema,
  invitationDocument,
  invitationView,
  iso,
  MembershipSchema,
  Nullable,
  PageQuery,
  Timestamp,
} from "../http/native/schemas.js";
import { actorOf, type NativeApp } from "../http/native/types.js";
import type { AcceptResult } from "./lifecycle-service.js";

const Email = Type.String({ minLength: 1, maxLength: 320 });
const RoleIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 });

const CommonCreateFields = {
  organizationId: Type.String({ minLength: 1, maxLength: 64 }),
  roleIds: Type.Optional(RoleIds),
  inviterUserId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  expiresIn: Type.Optional(Type.Integer({ minimum: 1 })),
  expiresAt: Type.Optional(Type.String({ format: "date-time" })),
  redirectUrl: Type.Optional(Nullable(Type.String({ format: "uri", maxLength: 2048 }))),
  acceptUrl: Type.Optional(Nullable(Type.String({ format: "uri", maxLength: 2048 }))),
  locale: Type.Optional(Nullable(Type.String({ minLength: 2, maxLength: 35 }))),
  metadata: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
  sendEmail: Type.Optional(Type.Boolean()),
};

const CreateBody = Type.Object({ email: Email, ...CommonCreateFields }, { additionalProperties: false });
const BatchBody = Type.Object(
  { emails: Type.Array(Email, { minItems: 1, maxItems: 1000 }), atomic: Type.Optional(Type.Boolean()), ...CommonCreateFields },
  { additionalProperties: false },
);
const IdempotencyHeaders = Type.Object({ "idempotency-key": Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) });
const TokenBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

const AcceptResultSchema = Type.Object({
  invitation: InvitationSchema,
  membership: MembershipSchema,
  redirectUrl: Nullable(Type.String()),
});

function acceptView(result: AcceptResult) {
  return {
    invitation: invitationView(result.invitation),
    membership: { ...result.membership, createdAt: iso(result.membership.createdAt) },
    redirectUrl: result.redirectUrl,
  };
}

function toInput<T extends { expiresAt?: string }>(body: T) {
  const { expiresAt, ...rest } = body;
  return { ...rest, ...(expiresAt !== undefined && { expiresAt: Date.parse(expiresAt) }) };
}

export async function invitationRoutes(app: NativeApp, usher: Usher): Promise<void> {
  app.post(
    "/invitations",
    {
      config: { scope: "invitations:write" },
      schema: {
        tags: ["invitations"],
        summary: "Create an invitation",
        body: CreateBody,
        headers: IdempotencyHeaders,
        response: { 201: InvitationSchema },
      },
    },
    async (request, reply) => {
      const create = async () => {
        const { invitation } = await usher.invitations.create(request.auth.tenantId, actorOf(request), toInput(request.body));
        return { statusCode: 201, body: invitationView(invitation) };
      };
      const key = request.headers["idempotency-key"];
      const answer = key ? await usher.idempotency.run(request.auth.tenantId, `invitations:${key}`, request.body, create) : await create();
      return reply.code(answer.statusCode as 201).send(answer.body as ReturnType<typeof invitationView>);
    },
  );

  app.post(
    "/invitations/batch",
    {
      config: { scope: "invitations:write" },
      schema: { tags: ["invitations"], summary: "Invite up to 1,000 emails at once", body: BatchBody, headers: IdempotencyHeaders },
    },
    async (request, reply) => {
      const { atomic = true, ...body } = request.body;
      const create = async () => {
        const results = await usher.invitations.createMany(request.auth.tenantId, actorOf(request), toInput(body), { atomic });
        const items = results.map((r) => ({
          email: r.email,
          status: r.invitation ? ("created" as const) : ("failed" as const),
          ...(r.invitation && { invitation: invitationView(r.invitation) }),
          ...(r.error && { error: { code: r.error.code, detail: r.error.detail } }),
        }));
        const created = items.filter((i) => i.status === "created").length;
        return { statusCode: atomic ? 201 : 200, body: { created, failed: items.length - created, results: items } };
      };
      const key = request.headers["idempotency-key"];
      const answer = key ? await usher.idempotency.run(request.auth.tenantId, `batch:${key}`, request.body, create) : await create();
      return reply.code(answer.statusCode).send(answer.body);
    },
  );

  app.get(
    "/invitations",
    {
      config: { scope: "invitations:read" },
      schema: {
        tags: ["invitations"],
        summary: "List invitations, newest first",
        querystring: Type.Object(
          {
            organizationId: Type.Optional(Type.String({ maxLength: 64 })),
            status: Type.Optional(InvitationStatusSchema),
            email: Type.Optional(Type.String({ maxLength: 320 })),
            inviterUserId: Type.Optional(Type.String({ maxLength: 64 })),
            includeTotal: Type.Optional(Type.Boolean()),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            data: Type.Array(InvitationSchema),
            nextCursor: Nullable(Type.String()),
            total: Type.Optional(Type.Integer()),
          }),
        },
      },
    },
    async (request, reply) => {
      const { limit = 50, ...filter } = request.query;
      // Written by the service rather than by the response schema: the entries are JSON already (ADR 0011).
      const body = await usher.invitations.listPage(request.auth.tenantId, { ...filter, limit }, invitationDocument);
      // Once the socket has it all; a response cut short leaves its memory to the collector.
      reply.raw.once("finish", () => usher.invitations.pageSent(body));
      return reply.type("application/json; charset=utf-8").send(body as never);
    },
  );

  app.get(
    "/invitations/:id",
    { config: { scope: "invitations:read" }, schema: { tags: ["invitations"], params: IdParams, response: { 200: InvitationSchema } } },
    async (request) => invitationView(await usher.invitations.get(request.auth.tenantId, request.params.id)),
  );

  app.post(
    "/invitations/:id/revoke",
    { config: { scope: "invitations:write" }, schema: { tags: ["invitations"], params: IdParams, response: { 200: InvitationSchema } } },
    async (request) => invitationView(await usher.lifecycle.revoke(request.auth.tenantId, actorOf(request), request.params.id)),
  );

  app.post(
    "/invitations/:id/resend",
    {
      config: { scope: "invitations:write" },
      schema: {
        tags: ["invitations"],
        params: IdParams,
        body: Type.Object({ expiresIn: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
        response: { 200: InvitationSchema },
      },
    },
    async (request) =>
      invitationView(await usher.lifecycle.resend(request.auth.tenantId, actorOf(request), request.params.id, request.body)),
  );

  app.post(
    "/invitations/:id/accept",
    {
      config: { scope: "invitations:write" },
      schema: {
        tags: ["invitations"],
        summary: "Accept on behalf of an existing user",
        params: IdParams,
        body: Type.Object({ userId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
        response: { 200: AcceptResultSchema },
      },
    },
    async (request) =>
      acceptView(await usher.lifecycle.acceptForUser(request.auth.tenantId, actorOf(request), request.params.id, request.body.userId)),
  );

  app.delete(
    "/invitations/:id",
    { config: { scope: "invitations:write" }, schema: { tags: ["invitations"], params: IdParams } },
    async (request, reply) => {
      await usher.lifecycle.delete(request.auth.tenantId, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  const PreviewSchema = Type.Object({
    invitation: Type.Object({
      id: Type.String(),
      email: Type.String(),
      status: InvitationStatusSchema,
      expiresAt: Timestamp,
      redirectUrl: Nullable(Type.String()),
      locale: Nullable(Type.String()),
    }),
    organization: Type.Object({ id: Type.String(), name: Type.String() }),
    inviter: Nullable(Type.Object({ id: Type.String(), name: Nullable(Type.String()), email: Type.String() })),
    roles: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
    brandName: Nullable(Type.String()),
  });

  app.post(
    "/public/invitations/preview",
    { config: { public: true }, schema: { tags: ["invitee"], body: TokenBody, response: { 200: PreviewSchema } } },
    async (request) => {
      const preview = await usher.lifecycle.preview(request.body.token, request.ip);
      const i = preview.invitation;
      return {
        ...preview,
        invitation: {
          id: i.id,
          email: i.email,
          status: i.status,
          expiresAt: iso(i.expiresAt),
          redirectUrl: i.redirectUrl,
          locale: i.locale,
        },
      };
    },
  );

  app.post(
    "/public/invitations/accept",
    {
      config: { public: true },
      schema: {
        tags: ["invitee"],
        body: Type.Object(
          { token: Type.String({ minLength: 1, maxLength: 512 }), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: { 200: AcceptResultSchema },
      },
    },
    async (request) => acceptView(await usher.lifecycle.acceptByToken(request.body.token, request.ip, { name: request.body.name })),
  );

  app.post(
    "/public/invitations/decline",
    { config: { public: true }, schema: { tags: ["invitee"], body: TokenBody, response: { 200: InvitationSchema } } },
    async (request) => invitationView(await usher.lifecycle.declineByToken(request.body.token, request.ip)),
  );
}
