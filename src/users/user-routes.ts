import { Type } from "@sinclair/typebox";
import type { Usher } from "../container.js";
import { IdParams, iso, Nullable, PageQuery, Timestamp } from "../http/native/schemas.js";
import { actorOf, type NativeApp } from "../http/native/types.js";
import type { User } from "./user-service.js";

const UserSchema = Type.Object({ id: Type.String(), email: Type.String(), name: Nullable(Type.String()), createdAt: Timestamp });
const view = (u: User) => ({ ...u, createdAt: iso(u.createdAt) });

export async function userRoutes(app: NativeApp, usher: Usher): Promise<void> {
  app.post(
    "/users",
    {
      config: { scope: "users:write" },
      schema: {
        tags: ["users"],
        body: Type.Object(
          { email: Type.String({ minLength: 1, maxLength: 320 }), name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))) },
          { additionalProperties: false },
        ),
        response: { 201: UserSchema },
      },
    },
    async (request, reply) => reply.code(201).send(view(await usher.users.create(request.auth.tenantId, actorOf(request), request.body))),
  );
  app.get(
    "/users",
    {
      config: { scope: "users:read" },
      schema: {
        tags: ["users"],
        querystring: Type.Object(
          {
            email: Type.Optional(Type.String({ maxLength: 320 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(UserSchema), nextCursor: Nullable(Type.String()) }) },
      },
    },
    async (request) => {
      const page = await usher.users.list(request.auth.tenantId, { ...request.query, limit: request.query.limit ?? 50 });
      return { ...page, data: page.data.map(view) };
    },
  );
  app.get(
    "/users/:id",
    { config: { scope: "users:read" }, schema: { tags: ["users"], params: IdParams, response: { 200: UserSchema } } },
    async (request) => view(await usher.users.get(request.auth.tenantId, request.params.id)),
  );
  app.delete("/users/:id", { config: { scope: "users:write" }, schema: { tags: ["users"], params: IdParams } }, async (request, reply) => {
    await usher.users.delete(request.auth.tenantId, actorOf(request), request.params.id);
    return reply.code(204).send();
  });
}
