import { Type } from "@sinclair/typebox";
import type { Usher } from "../container.js";
import { IdParams, iso, Nullable, Timestamp } from "../http/native/schemas.js";
import { actorOf, type NativeApp } from "../http/native/types.js";
import type { Role } from "./role-service.js";

const RoleSchema = Type.Object({ id: Type.String(), name: Type.String(), description: Nullable(Type.String()), createdAt: Timestamp });
const view = (r: Role) => ({ ...r, createdAt: iso(r.createdAt) });

export async function roleRoutes(app: NativeApp, usher: Usher): Promise<void> {
  app.post(
    "/roles",
    {
      config: { scope: "roles:write" },
      schema: {
        tags: ["roles"],
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 128 }), description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))) },
          { additionalProperties: false },
        ),
        response: { 201: RoleSchema },
      },
    },
    async (request, reply) => reply.code(201).send(view(await usher.roles.create(request.auth.tenantId, actorOf(request), request.body))),
  );
  app.get(
    "/roles",
    {
      config: { scope: "roles:read" },
      schema: { tags: ["roles"], response: { 200: Type.Object({ data: Type.Array(RoleSchema), nextCursor: Type.Null() }) } },
    },
    async (request) => ({ data: (await usher.roles.list(request.auth.tenantId)).map(view), nextCursor: null }),
  );
  app.get(
    "/roles/:id",
    { config: { scope: "roles:read" }, schema: { tags: ["roles"], params: IdParams, response: { 200: RoleSchema } } },
    async (request) => view(await usher.roles.get(request.auth.tenantId, request.params.id)),
  );
  app.delete("/roles/:id", { config: { scope: "roles:write" }, schema: { tags: ["roles"], params: IdParams } }, async (request, reply) => {
    await usher.roles.delete(request.auth.tenantId, actorOf(request), request.params.id);
    return reply.code(204).send();
  });
}
