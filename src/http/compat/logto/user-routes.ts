import type { Usher } from "../../../container.js";
import { isAppError } from "../../../core/errors.js";
import { actorOf, type NativeApp } from "../../native/types.js";
import { guardError } from "./errors.js";
import { CreateUserBody, UserEntitySchema, UserIdParams } from "./schemas.js";
import { userEntity } from "./views.js";

/** `/api/users`: an Usher user is an email and a name; Logto answers a create with 200. */
export async function userRoutes(app: NativeApp, usher: Usher): Promise<void> {
  app.post(
    "/users",
    { config: { scope: "users:write" }, schema: { body: CreateUserBody, response: { 200: UserEntitySchema } } },
    async (request) => {
      const { primaryEmail, name } = request.body;
      const user = await usher.users
        .create(request.auth.tenantId, actorOf(request), { email: primaryEmail, name: name ?? null })
        .catch((error: unknown) => {
          if (isAppError(error) && error.code === "validation_failed") {
            throw guardError("body", [{ path: "/primaryEmail", message: "must be a valid email address" }]);
          }
          throw error;
        });
      return userEntity(user);
    },
  );

  app.get(
    "/users/:userId",
    { config: { scope: "users:read" }, schema: { params: UserIdParams, response: { 200: UserEntitySchema } } },
    async (request) => userEntity(await usher.users.get(request.auth.tenantId, request.params.userId)),
  );
}
