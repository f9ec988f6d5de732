import Ajv from "ajv";
import type { Usher } from "../../../container.js";
import { authorize, credentialFromHeader } from "../../auth.js";
import type { FrameworkErrorRoutes } from "../../framework-error-routes.js";
import type { NativeApp } from "../../native/types.js";
import { createInvitationsRoute } from "./create-invitations-route.js";
import { elasticErrorHandler, sendFailure } from "./errors.js";
import { invitationRoutes } from "./invitation-routes.js";
import { routeNotFound } from "./lookups.js";

/**
 * The Elastic-Cloud-compatible dialect under `/api/v1` (COMPAT.md §C, ADR 0030):
 * `Authorization: ApiKey <key>`, `BasicFailedReply` errors with `x-cloud-error-codes`.
 */
export async function elasticApi(app: NativeApp, options: { usher: Usher; frameworkErrors: FrameworkErrorRoutes }): Promise<void> {
  const { usher } = options;
  app.decorateRequest("auth", null as never);
  app.setErrorHandler(elasticErrorHandler);
  options.frameworkErrors.add(app.prefix, elasticErrorHandler);
  app.setNotFoundHandler((request, reply) => sendFailure(reply, routeNotFound(request)));

  // Every schema failure is reported, not only the first, so one answer lists them all.
  const ajv = new Ajv.default({ allErrors: true, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  // Only JSON is read (anything else is 415). An empty body sent as JSON (an `_accept` or
  // `DELETE` from a generic client) is no body.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body.toString();
    if (text.length === 0) done(null, undefined);
    // The default parser answers through `done`, synchronously; its type allows a promise.
    else void parseJson(request, text, done);
  });

  app.addHook("onRequest", async (request) => {
    await authorize(usher, request, credentialFromHeader(request.headers.authorization, "ApiKey"));
  });
  await createInvitationsRoute(app, usher);
  await invitationRoutes(app, usher);
}
