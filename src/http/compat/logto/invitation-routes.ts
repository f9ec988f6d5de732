import { Type } from "@sinclair/typebox";
import type { Usher } from "../../../container.js";
import { type AppError, isAppError } from "../../../core/errors.js";
import type { Invitation } from "../../../invitations/invitation.js";
import { actorOf, type NativeApp } from "../../native/types.js";
import { asRelationErrors, guardError, invalidInput } from "./errors.js";
import { type EmailChoice, readMessagePayload, requireEmailSender } from "./message-payload.js";
import { offsetOf, readPagination, setPageHeaders } from "./pagination.js";
import {
  CreateInvitationBody,
  IdParams,
  InvitationEntitySchema,
  InvitationStatusBody,
  ListInvitationsQuery,
  MessagePayloadSchema,
} from "./schemas.js";
import { invitationEntity, loadRoleNames } from "./views.js";

const ALL_BATCH = 500;
/** Core field names as Logto's request calls them, for error paths. */
const FIELD_NAMES: Record<string, string> = { "/email": "/invitee", "/roleIds": "/organizationRoleIds", "/inviterUserId": "/inviterId" };

/** `/api/organization-invitations`: Logto's Management API routes over the core services. */
export async function invitationRoutes(app: NativeApp, usher: Usher): Promise<void> {
  const entities = async (tenantId: string, invitations: Invitation[]) => {
    const roleNames = await loadRoleNames(usher, tenantId);
    return invitations.map((invitation) => invitationEntity(invitation, roleNames));
  };
  const entity = async (invitation: Invitation) => invitationEntity(invitation, await loadRoleNames(usher, invitation.tenantId));

  app.post(
    "/organization-invitations",
    {
      config: { scope: "invitations:write" },
      schema: { body: CreateInvitationBody, response: { 201: InvitationEntitySchema } },
    },
    async (request, reply) => {
      const { tenantId } = request.auth;
      const { invitee, organizationId, expiresAt, organizationRoleIds, inviterId, messagePayload } = request.body;
      if (!(expiresAt > usher.clock.now())) throw invalidInput(400, "The value of `expiresAt` must be in the future.");
      const email: EmailChoice | null = messagePayload ? readMessagePayload(messagePayload, "/messagePayload") : null;
      if (email) await requireEmailSender(usher, tenantId);
      const input = {
        email: invitee,
        organizationId,
        roleIds: organizationRoleIds ?? [],
        inviterUserId: inviterId ?? null,
        expiresAt,
        sendEmail: email !== null,
        acceptUrl: email?.acceptUrl ?? null,
        locale: email?.locale ?? null,
      };
      const created = await asRelationErrors(usher.invitations.create(tenantId, actorOf(request), input, { onPending: "conflict" })).catch(
        (error: unknown) => {
          throw isAppError(error) && error.code === "validation_failed" ? renameCreateError(error) : error;
        },
      );
      return reply.code(201).send(await entity(created.invitation));
    },
  );

  app.get(
    "/organization-invitations",
    {
      config: { scope: "invitations:read" },
      schema: { querystring: ListInvitationsQuery, response: { 200: Type.Array(InvitationEntitySchema) } },
    },
    async (request, reply) => {
      const { tenantId } = request.auth;
      const { organizationId, inviterId, invitee } = request.query;
      const filter = { organizationId, inviterUserId: inviterId, email: invitee };
      const page = readPagination(request.query);
      if (page) {
        const found = await usher.invitations.list(tenantId, {
          ...filter,
          limit: page.pageSize,
          offset: offsetOf(page),
          includeTotal: true,
        });
        setPageHeaders(request, reply, page, found.total ?? 0);
        return entities(tenantId, found.data);
      }
      const all: Invitation[] = [];
      let cursor: string | undefined;
      do {
        const found = await usher.invitations.list(tenantId, { ...filter, limit: ALL_BATCH, cursor });
        all.push(...found.data);
        cursor = found.nextCursor ?? undefined;
      } while (cursor);
      return entities(tenantId, all);
    },
  );

  app.get(
    "/organization-invitations/:id",
    { config: { scope: "invitations:read" }, schema: { params: IdParams, response: { 200: InvitationEntitySchema } } },
    async (request) => entity(await usher.invitations.get(request.auth.tenantId, request.params.id)),
  );

  app.delete(
    "/organization-invitations/:id",
    { config: { scope: "invitations:write" }, schema: { params: IdParams } },
    async (request, reply) => {
      await usher.lifecycle.delete(request.auth.tenantId, actorOf(request), request.params.id, { anyStatus: true });
      return reply.code(204).send();
    },
  );

  app.put(
    "/organization-invitations/:id/status",
    {
      config: { scope: "invitations:write" },
      schema: { params: IdParams, body: InvitationStatusBody, response: { 200: InvitationEntitySchema } },
    },
    async (request) => {
      const { tenantId } = request.auth;
      const { status, acceptedUserId } = request.body;
      if (status === "Revoked") return entity(await usher.lifecycle.revoke(tenantId, actorOf(request), request.params.id));
      if (!acceptedUserId) throw invalidInput(422, "The `acceptedUserId` is required when accepting an invitation.");
      const accepted = await usher.lifecycle.acceptForUser(tenantId, actorOf(request), request.params.id, acceptedUserId);
      return entity(accepted.invitation);
    },
  );

  app.post(
    "/organization-invitations/:id/message",
    { config: { scope: "invitations:write" }, schema: { params: IdParams, body: MessagePayloadSchema } },
    async (request, reply) => {
      const { tenantId } = request.auth;
      const { id } = request.params;
      await usher.invitations.get(tenantId, id);
      const email = readMessagePayload(request.body, "");
      await requireEmailSender(usher, tenantId);
      await usher.lifecycle.resend(tenantId, actorOf(request), id, { keepExpiry: true, ...email });
      return reply.code(204).send();
    },
  );
}

/**
 * The core's validation of a create, in Logto's words: `expiresAt` beyond the tenant's maximum
 * lifetime is `request.invalid_input` like one in the past; other fields are guard failures.
 */
function renameCreateError(error: AppError): Error {
  const issues = (error.errors ?? [{ path: "", message: error.detail }]).map((issue) => {
    const [, head = "", rest = ""] = /^(\/[^/]*)(.*)$/.exec(issue.path) ?? [];
    return { ...issue, path: `${FIELD_NAMES[head] ?? head}${rest}` };
  });
  const expiry = issues.find((issue) => issue.path === "/expiresAt");
  if (expiry) return invalidInput(400, `The value of \`expiresAt\` ${expiry.message}.`);
  return guardError("body", issues);
}
