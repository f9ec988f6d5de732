import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Usher } from "../../container.js";
import { AppError, isAppError } from "../../core/errors.js";
import { toAppError } from "../../http/framework-errors.js";
import type { InvitationPreview } from "../../invitations/lifecycle-service.js";
import { pageHeadersHook } from "../security-headers.js";
import {
  type EndedState,
  type PageContext,
  renderAlreadyMember,
  renderDeclinedNow,
  renderEnded,
  renderError,
  renderMemberLimit,
  renderPending,
  renderSuccess,
  renderTooMany,
  renderUnknown,
} from "./accept-views.js";
import { ACCEPT_CSP } from "./layout.js";
import { chooseLocale } from "./locale.js";

const MAX_TOKEN_LENGTH = 512;
/** Pages are not part of the API document. */
const HIDDEN = { schema: { hide: true } };

/** The token of a query or form body; anything that is not one short string counts as no token. */
function tokenFrom(source: unknown): string {
  const value = source && typeof source === "object" ? (source as Record<string, unknown>).token : undefined;
  return typeof value === "string" && value.length <= MAX_TOKEN_LENGTH ? value.trim() : "";
}

/**
 * The invitee's pages at `/accept` (ADR 0060): GET shows the invitation and never changes it;
 * the Accept and Decline buttons post the token in a form body to `/accept` and `/accept/decline`.
 */
export async function acceptPages(app: FastifyInstance, options: { usher: Usher }): Promise<void> {
  const { usher } = options;
  await app.register(formbody, { bodyLimit: 4096 });
  app.addHook("onSend", pageHeadersHook({ contentSecurityPolicy: ACCEPT_CSP, cacheControl: "no-store" }));

  const contextFor = (request: FastifyRequest, preview?: InvitationPreview): PageContext => ({
    locale: chooseLocale({
      invitationLocale: preview?.invitation.locale,
      acceptLanguage: request.headers["accept-language"],
      tenantLocale: preview?.tenantLocale,
    }),
    brandName: preview?.brandName ?? null,
    now: usher.clock.now(),
  });

  const send = (reply: FastifyReply, status: number, body: string) => reply.code(status).type("text/html; charset=utf-8").send(body);

  /** Renders a failure of the core as a page; only a bug becomes a 5xx. */
  const sendFailure = (request: FastifyRequest, reply: FastifyReply, error: AppError, preview?: InvitationPreview) => {
    const ctx = contextFor(request, preview);
    if (error.retryAfter !== undefined) reply.header("retry-after", String(error.retryAfter));
    switch (error.code) {
      case "invitation_not_found":
        return send(reply, 404, renderUnknown(ctx));
      case "token_attempts_exceeded":
        return send(reply, 429, renderTooMany(ctx));
      case "invitee_already_member":
        return preview ? send(reply, 409, renderAlreadyMember(ctx, preview)) : send(reply, 409, renderError(ctx));
      case "member_limit_exceeded":
        return preview ? send(reply, error.status, renderMemberLimit(ctx, preview)) : send(reply, error.status, renderError(ctx));
      default:
        if (error.status >= 500) request.log.error({ err: error }, "accept page failed");
        return send(reply, error.status, renderError(ctx));
    }
  };

  const sendState = (request: FastifyRequest, reply: FastifyReply, preview: InvitationPreview, token: string) => {
    const ctx = contextFor(request, preview);
    const status = preview.invitation.status;
    if (status === "pending") return send(reply, 200, renderPending(ctx, preview, token));
    return send(reply, 410, renderEnded(ctx, status satisfies EndedState, preview));
  };

  /** Looks the token up; an absent token is answered as unknown without counting as an attempt. */
  const previewOf = async (token: string, address: string): Promise<InvitationPreview> => {
    if (token === "") throw new AppError("invitation_not_found", { detail: "no token" });
    return usher.lifecycle.preview(token, address);
  };

  /** Runs an accept or decline: the state is read first so ended links show their own page. */
  const act = async (
    request: FastifyRequest,
    reply: FastifyReply,
    run: (token: string, preview: InvitationPreview) => Promise<string>,
  ): Promise<FastifyReply> => {
    const token = tokenFrom(request.body);
    let preview: InvitationPreview | undefined;
    try {
      preview = await previewOf(token, request.ip);
      if (preview.invitation.status !== "pending") return sendState(request, reply, preview, token);
      return send(reply, 200, await run(token, preview));
    } catch (error) {
      if (!isAppError(error)) throw error;
      // Another request ended the invitation between the read and the write: show what it is now.
      if (preview && (error.code === "invitation_not_pending" || error.code === "invitation_expired")) {
        return sendState(request, reply, await usher.lifecycle.preview(token, request.ip), token);
      }
      return sendFailure(request, reply, error, preview);
    }
  };

  app.get("/", HIDDEN, async (request, reply) => {
    const token = tokenFrom(request.query);
    try {
      return sendState(request, reply, await previewOf(token, request.ip), token);
    } catch (error) {
      if (!isAppError(error)) throw error;
      return sendFailure(request, reply, error);
    }
  });

  app.post("/", HIDDEN, async (request, reply) =>
    act(request, reply, async (token, preview) => {
      const result = await usher.lifecycle.acceptByToken(token, request.ip);
      return renderSuccess(contextFor(request, preview), preview.organization.name, result.redirectUrl);
    }),
  );

  app.post("/decline", HIDDEN, async (request, reply) =>
    act(request, reply, async (token, preview) => {
      await usher.lifecycle.declineByToken(token, request.ip);
      return renderDeclinedNow(contextFor(request, preview), preview);
    }),
  );

  app.setNotFoundHandler((request, reply) => send(reply, 404, renderUnknown(contextFor(request))));
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, "accept page failed");
    return send(reply, appError.status, renderError(contextFor(request)));
  });
}
