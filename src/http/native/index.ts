import type { Usher } from "../../container.js";
import { AppError } from "../../core/errors.js";
import { invitationRoutes } from "../../invitations/invitation-routes.js";
import { redactUrl } from "../../logging.js";
import { organizationRoutes } from "../../organizations/organization-routes.js";
import { roleRoutes } from "../../roles/role-routes.js";
import { userRoutes } from "../../users/user-routes.js";
import { bearerHook } from "../auth.js";
import { adminRoutes } from "./admin-routes.js";
import { nativeErrorHandler, sendProblem } from "./problem.js";
import type { NativeApp } from "./types.js";

/** The native API under `/v1`: Bearer API keys, RFC 9457 problems. */
export async function nativeApi(app: NativeApp, options: { usher: Usher }): Promise<void> {
  const { usher } = options;
  app.decorateRequest("auth", null as never);
  app.setErrorHandler(nativeErrorHandler);
  // JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser("text/plain");
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new AppError("route_not_found", { detail: `no route ${request.method} ${redactUrl(request.url.split("?")[0] ?? "")}` }),
    ),
  );
  app.addHook("onRequest", bearerHook(usher));
  // A POST without a body (resend, revoke) is an empty object, so the schemas decide.
  app.addHook("preValidation", async (request) => {
    if (request.body === undefined && request.method !== "GET" && request.method !== "DELETE") request.body = {};
  });
  await invitationRoutes(app, usher);
  await organizationRoutes(app, usher);
  await roleRoutes(app, usher);
  await userRoutes(app, usher);
  await adminRoutes(app, usher);
}
