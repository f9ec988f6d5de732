import type { Usher } from "../../../container.js";
import { AppError } from "../../../core/errors.js";
import { toAppError } from "../../framework-errors.js";
import type { NativeApp } from "../../native/types.js";
import { authorizeLoginRadius } from "./auth.js";
import { sendLoginRadiusError } from "./errors.js";
import { lowerCaseQuery } from "./field-names.js";
import { invitationRoutes } from "./routes.js";

export const LOGINRADIUS_PREFIX = "/v2/manage/invitations";

/**
 * The LoginRadius-compatible dialect (COMPAT.md A, ADR 0020): query-parameter credentials,
 * case-insensitive names, PascalCase objects and LoginRadius's `{ErrorCode, Message,
 * Description}` envelope on every error under the prefix, framework errors included.
 */
export async function loginRadiusApi(app: NativeApp, options: { usher: Usher }): Promise<void> {
  const { usher } = options;
  app.decorateRequest("auth", null as never);

  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, "request failed");
    return sendLoginRadiusError(reply, appError);
  });
  app.setNotFoundHandler((_request, reply) => sendLoginRadiusError(reply, new AppError("route_not_found")));

  // JSON only. An empty body is no body, so bodiless calls (resend, revoke) may still say JSON.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body.toString();
    if (text === "") {
      done(null, undefined);
      return;
    }
    // The default parser answers through `done`, synchronously; its type allows a promise.
    void parseJson(request, text, done);
  });

  app.addHook("onRequest", async (request) => {
    request.query = lowerCaseQuery(request.query);
    await authorizeLoginRadius(usher, request);
  });

  await invitationRoutes(app, usher);
}
