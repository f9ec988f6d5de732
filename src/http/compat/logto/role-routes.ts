import { Type } from "@sinclair/typebox";
import type { Usher } from "../../../container.js";
import { actorOf, type NativeApp } from "../../native/types.js";
import { paginate, readPagination } from "./pagination.js";
import { CreateRoleBody, ListRolesQuery, RoleEntitySchema, RoleListItemSchema } from "./schemas.js";
import { matchesSearch, roleEntity } from "./views.js";

/**
 * `/api/organization-roles`: Usher's roles are the organization template's roles. Usher has no
 * permission scopes, so scope ids are accepted and the lists of scopes are empty (ADR 0043).
 */
export async function roleRoutes(app: NativeApp, usher: Usher): Promise<void> {
  app.post(
    "/organization-roles",
    { config: { scope: "roles:write" }, schema: { body: CreateRoleBody, response: { 201: RoleEntitySchema } } },
    async (request, reply) => {
      const { name, description } = request.body;
      const role = await usher.roles.create(request.auth.tenantId, actorOf(request), { name, description: description ?? null });
      return reply.code(201).send(roleEntity(request.auth.tenantId, role));
    },
  );

  app.get(
    "/organization-roles",
    { config: { scope: "roles:read" }, schema: { querystring: ListRolesQuery, response: { 200: Type.Array(RoleListItemSchema) } } },
    async (request, reply) => {
      const { tenantId } = request.auth;
      const page = readPagination(request.query);
      const roles = (await usher.roles.list(tenantId)).filter((r) => matchesSearch(request.query.q, r.id, r.name));
      return paginate(request, reply, roles, page).map((role) => ({ ...roleEntity(tenantId, role), scopes: [], resourceScopes: [] }));
    },
  );
}
