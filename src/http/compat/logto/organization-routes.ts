import { Type } from "@sinclair/typebox";
import type { Usher } from "../../../container.js";
import { isAppError } from "../../../core/errors.js";
import type { Organization } from "../../../organizations/organization-service.js";
import { actorOf, type NativeApp } from "../../native/types.js";
import { asRelationErrors } from "./errors.js";
import { paginate, readPagination } from "./pagination.js";
import {
  AddOrganizationUsersBody,
  CreateOrganizationBody,
  IdParams,
  ListOrganizationsQuery,
  ListOrganizationUsersQuery,
  OrganizationEntitySchema,
  OrganizationUserSchema,
} from "./schemas.js";
import { matchesSearch, organizationEntity, userEntity } from "./views.js";

const ALL_BATCH = 200;

/** `/api/organizations` and its members (`/users`), so that a Logto client can set up its data. */
export async function organizationRoutes(app: NativeApp, usher: Usher): Promise<void> {
  app.post(
    "/organizations",
    { config: { scope: "organizations:write" }, schema: { body: CreateOrganizationBody, response: { 201: OrganizationEntitySchema } } },
    async (request, reply) => {
      const { name, description } = request.body;
      const created = await usher.organizations.create(request.auth.tenantId, actorOf(request), { name, description: description ?? null });
      return reply.code(201).send(organizationEntity(request.auth.tenantId, created));
    },
  );

  app.get(
    "/organizations",
    {
      config: { scope: "organizations:read" },
      schema: { querystring: ListOrganizationsQuery, response: { 200: Type.Array(OrganizationEntitySchema) } },
    },
    async (request, reply) => {
      const { tenantId } = request.auth;
      const page = readPagination(request.query);
      const all: Organization[] = [];
      let cursor: string | undefined;
      do {
        const found = await usher.organizations.list(tenantId, { limit: ALL_BATCH, cursor });
        all.push(...found.data);
        cursor = found.nextCursor ?? undefined;
      } while (cursor);
      const matching = all.filter((o) => matchesSearch(request.query.q, o.id, o.name));
      return paginate(request, reply, matching, page).map((o) => organizationEntity(tenantId, o));
    },
  );

  app.get(
    "/organizations/:id",
    { config: { scope: "organizations:read" }, schema: { params: IdParams, response: { 200: OrganizationEntitySchema } } },
    async (request) => organizationEntity(request.auth.tenantId, await usher.organizations.get(request.auth.tenantId, request.params.id)),
  );

  app.get(
    "/organizations/:id/users",
    {
      config: { scope: "organizations:read" },
      schema: { params: IdParams, querystring: ListOrganizationUsersQuery, response: { 200: Type.Array(OrganizationUserSchema) } },
    },
    async (request, reply) => {
      const { tenantId } = request.auth;
      const { q, organizationRoleId } = request.query;
      const page = readPagination(request.query);
      const members = await usher.members.list(tenantId, request.params.id);
      const matching = members.filter(
        (m) => matchesSearch(q, m.userId, m.email, m.name) && (organizationRoleId === undefined || m.roleIds.includes(organizationRoleId)),
      );
      const shown = paginate(request, reply, matching, page);
      const users = await Promise.all(shown.map((m) => usher.users.get(tenantId, m.userId)));
      return shown.flatMap((member, i) => {
        const user = users[i];
        return user ? [{ ...userEntity(user), organizationRoles: member.roles }] : [];
      });
    },
  );

  app.post(
    "/organizations/:id/users",
    { config: { scope: "organizations:write" }, schema: { params: IdParams, body: AddOrganizationUsersBody } },
    async (request, reply) => {
      const { tenantId } = request.auth;
      const organizationId = request.params.id;
      const userIds = [...new Set(request.body.userIds)];
      // Every id is checked before anyone is added, so an unknown one adds nobody.
      await asRelationErrors(usher.organizations.get(tenantId, organizationId));
      await asRelationErrors(Promise.all(userIds.map((id) => usher.users.get(tenantId, id))));
      for (const userId of userIds) {
        // Users who are members already are left as they are, as Logto does.
        await asRelationErrors(usher.members.add(tenantId, actorOf(request), organizationId, { userId })).catch((error: unknown) => {
          if (!(isAppError(error) && error.code === "member_already_exists")) throw error;
        });
      }
      return reply.code(201).send({ userIds: request.body.userIds });
    },
  );
}
