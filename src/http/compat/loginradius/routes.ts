import type { Usher } from "../../../container.js";
import { actorOf, type NativeApp } from "../../native/types.js";
import { canonicalizeBody } from "./field-names.js";
import {
  IdParams,
  InvitationList,
  InvitationObject,
  InvitationUrlQuery,
  ListQuery,
  ResendAnswer,
  SendBody,
  toInvitationObject,
  UpdateBody,
} from "./schemas.js";

const SEND_FIELDS = Object.keys(SendBody.properties);
const UPDATE_FIELDS = Object.keys(UpdateBody.properties);
const LIST_PAGE = 200;

/** `invitation_url` becomes the invitation's redirect after acceptance; empty means none. */
function invitationUrlOf(query: { invitation_url?: string }): string | undefined {
  const url = query.invitation_url;
  return url === undefined || url === "" ? undefined : url;
}

/** The six LoginRadius invitation operations, each one call into the core services. */
export async function invitationRoutes(app: NativeApp, usher: Usher): Promise<void> {
  const hide = true;

  app.post(
    "/",
    {
      config: { scope: "invitations:write" },
      schema: { hide, querystring: InvitationUrlQuery, body: SendBody, response: { 200: InvitationObject } },
      preValidation: async (request) => {
        request.body = canonicalizeBody(request.body, SEND_FIELDS) as SendBody;
      },
    },
    async (request) => {
      const { body } = request;
      // Sending again to a pending invitee refreshes that invitation (same Id, new expiry, new email).
      const { invitation } = await usher.invitations.create(
        request.auth.tenantId,
        actorOf(request),
        {
          organizationId: body.orgId,
          email: body.email,
          roleIds: body.roleIds,
          inviterUserId: body.inviterUid ?? null,
          redirectUrl: invitationUrlOf(request.query) ?? null,
          sendEmail: true,
        },
        { onPending: "refresh" },
      );
      return toInvitationObject(invitation);
    },
  );

  app.get(
    "/",
    { config: { scope: "invitations:read" }, schema: { hide, querystring: ListQuery, response: { 200: InvitationList } } },
    async (request) => {
      const { orgid } = request.query;
      await usher.organizations.get(request.auth.tenantId, orgid);
      const data = [];
      let cursor: string | undefined;
      do {
        const page = await usher.invitations.list(request.auth.tenantId, { organizationId: orgid, limit: LIST_PAGE, cursor });
        data.push(...page.data.map(toInvitationObject));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return { Data: data };
    },
  );

  app.get(
    "/:id",
    { config: { scope: "invitations:read" }, schema: { hide, params: IdParams, response: { 200: InvitationObject } } },
    async (request) => toInvitationObject(await usher.invitations.get(request.auth.tenantId, request.params.id)),
  );

  app.put(
    "/:id",
    {
      config: { scope: "invitations:write" },
      schema: { hide, params: IdParams, querystring: InvitationUrlQuery, body: UpdateBody, response: { 200: InvitationObject } },
      // LoginRadius's own example sends `{}`; a PUT without a body changes only what the query says.
      preValidation: async (request) => {
        request.body = canonicalizeBody(request.body === undefined ? {} : request.body, UPDATE_FIELDS) as typeof request.body;
      },
    },
    async (request) => {
      const invitation = await usher.lifecycle.update(request.auth.tenantId, actorOf(request), request.params.id, {
        roleIds: request.body.roleIds,
        redirectUrl: invitationUrlOf(request.query),
      });
      return toInvitationObject(invitation);
    },
  );

  app.delete(
    "/:id",
    { config: { scope: "invitations:write" }, schema: { hide, params: IdParams, response: { 200: InvitationObject } } },
    async (request) => toInvitationObject(await usher.lifecycle.revoke(request.auth.tenantId, actorOf(request), request.params.id)),
  );

  app.post(
    "/:id/resend",
    { config: { scope: "invitations:write" }, schema: { hide, params: IdParams, response: { 200: ResendAnswer } } },
    async (request) => {
      await usher.lifecycle.resend(request.auth.tenantId, actorOf(request), request.params.id);
      return { Resent: true };
    },
  );
}
