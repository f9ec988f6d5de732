import { Type } from "@sinclair/typebox";
import type { Usher } from "../container.js";
import { IdParams, iso, MembershipSchema, Nullable, PageQuery, Timestamp } from "../http/native/schemas.js";
import { actorOf, type NativeApp } from "../http/native/types.js";
import type { Organization } from "./organization-service.js";

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Nullable(Type.String({ maxLength: 2000 }));
const OrganizationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
const RoleIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 });
const MemberParams = Type.Object({ id: Type.String({ maxLength: 64 }), userId: Type.String({ maxLength: 64 }) });

const view = (o: Organization) => ({ ...o, createdAt: iso(o.createdAt), updatedAt: iso(o.updatedAt) });
const membershipView = <T extends { createdAt: number }>(m: T) => ({ ...m, createdAt: iso(m.createdAt) });

export async function organizationRoutes(app: NativeApp, usher: Usher): Promise<void> {
  app.post(
    "/organizations",
    {
      config: { scope: "organizations:write" },
      schema: {
        tags: ["organizations"],
        body: Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false }),
        response: { 201: OrganizationSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(view(await usher.organizations.create(request.auth.tenantId, actorOf(request), request.body))),
  );

  app.get(
    "/organizations",
    {
      config: { scope: "organizations:read" },
      schema: {
        tags: ["organizations"],
        querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })), ...PageQuery }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(OrganizationSchema), nextCursor: Nullable(Type.String()) }) },
      },
    },
    async (request) => {
      const { limit = 50, ...rest } = request.query;
      const page = await usher.organizations.list(request.auth.tenantId, { limit, ...rest });
      return { ...page, data: page.data.map(view) };
    },
  );

  app.get(
    "/organizations/:id",
    {
      config: { scope: "organizations:read" },
      schema: { tags: ["organizations"], params: IdParams, response: { 200: OrganizationSchema } },
    },
    async (request) => view(await usher.organizations.get(request.auth.tenantId, request.params.id)),
  );

  app.patch(
    "/organizations/:id",
    {
      config: { scope: "organizations:write" },
      schema: {
        tags: ["organizations"],
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name), description: Type.Optional(Description) }, { additionalProperties: false }),
        response: { 200: OrganizationSchema },
      },
    },
    async (request) => view(await usher.organizations.update(request.auth.tenantId, actorOf(request), request.params.id, request.body)),
  );

  app.delete(
    "/organizations/:id",
    { config: { scope: "organizations:write" }, schema: { tags: ["organizations"], params: IdParams } },
    async (request, reply) => {
      await usher.organizations.delete(request.auth.tenantId, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    "/organizations/:id/members",
    {
      config: { scope: "organizations:write" },
      schema: {
        tags: ["members"],
        params: IdParams,
        body: Type.Object(
          { userId: Type.String({ minLength: 1, maxLength: 64 }), roleIds: Type.Optional(RoleIds) },
          { additionalProperties: false },
        ),
        response: { 201: MembershipSchema },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(membershipView(await usher.members.add(request.auth.tenantId, actorOf(request), request.params.id, request.body))),
  );

  app.get(
    "/organizations/:id/members",
    {
      config: { scope: "organizations:read" },
      schema: {
        tags: ["members"],
        params: IdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            nextCursor: Nullable(Type.String()),
            data: Type.Array(
              Type.Object({
                organizationId: Type.String(),
                userId: Type.String(),
                email: Type.String(),
                name: Nullable(Type.String()),
                roleIds: Type.Array(Type.String()),
                roles: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
                createdAt: Timestamp,
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const { limit = 50, cursor } = request.query;
      const page = await usher.members.page(request.auth.tenantId, request.params.id, { limit, cursor });
      return { ...page, data: page.data.map(membershipView) };
    },
  );

  app.put(
    "/organizations/:id/members/:userId/roles",
    {
      config: { scope: "organizations:write" },
      schema: {
        tags: ["members"],
        params: MemberParams,
        body: Type.Object({ roleIds: RoleIds }, { additionalProperties: false }),
        response: { 200: MembershipSchema },
      },
    },
    async (request) =>
      membershipView(
        await usher.members.setRoles(
          request.auth.tenantId,
          actorOf(request),
          request.params.id,
          request.params.userId,
          request.body.roleIds,
        ),
      ),
  );

  app.delete(
    "/organizations/:id/members/:userId",
    { config: { scope: "organizations:write" }, schema: { tags: ["members"], params: MemberParams } },
    async (request, reply) => {
      await usher.members.remove(request.auth.tenantId, actorOf(request), request.params.id, request.params.userId);
      return reply.code(204).send();
    },
  );
}
