import type { SecretBox } from "../core/crypto.js";
import { groupBy } from "../core/group-by.js";
import type { Db } from "../db/database.js";
import type { InvitationRow } from "../db/schema.js";
import { type NewEvent, SYSTEM_ACTOR } from "../events/event-service.js";
import type { TenantSettings } from "../settings/settings.js";
import type { MailContext } from "./delivery-queries.js";
import { composeInvitationEmail } from "./mail-composer.js";
import { invitationEmailPayload, type Outbox, type SentInvitationEmail } from "./outbox.js";
import type { MailAddress } from "./sender-address.js";
import type { MailTransport, OutgoingMessage } from "./transport.js";

export interface CapturedMailDeps {
  transportFor: (tenantId: string) => Promise<MailTransport>;
  fromFor: (tenantId: string) => Promise<MailAddress>;
  outbox: Outbox;
  box: SecretBox;
  publicUrl: string;
}

/** Where a tenant's mail is captured: a transport that stores in Usher's own database. */
export interface CaptureTarget {
  transport: MailTransport;
  from: MailAddress;
}

/** A new invitation whose first email is to be captured in the transaction that creates it. */
export interface CaptureItem {
  row: InvitationRow;
  settings: TenantSettings;
  target: CaptureTarget;
  /** The create's time. */
  now: number;
}

/** What the emails show beyond the invitation row: names of organizations, inviters, roles. */
export type MailNames = Omit<MailContext, "invitations">;

/**
 * Invitation emails of tenants whose mail goes to the capture mailbox are stored in the
 * transaction that creates the invitations (ADR 0054): the mailbox row, the outbox row
 * already `sent`, and the `invitation.email_sent` event commit with the invitation, so there
 * is nothing left for the worker to claim, render or record.
 */
export class CapturedMail {
  constructor(private readonly deps: CapturedMailDeps) {}

  /** The tenant's capture target, or undefined when its mail goes out through the worker. */
  async targetFor(tenantId: string): Promise<CaptureTarget | undefined> {
    const transport = await this.deps.transportFor(tenantId);
    if (!transport.storeInTransaction) return undefined;
    return { transport, from: await this.deps.fromFor(tenantId) };
  }

  /**
   * Stores the first email of each item; answers the events to record and the items whose
   * email could not be rendered (they are to be queued for the worker instead).
   */
  async store(trx: Db, items: readonly CaptureItem[], names: MailNames) {
    const context: MailContext = { ...names, invitations: new Map(items.map((item) => [item.row.id, item.row])) };
    const stored: Array<{ item: CaptureItem; sent: SentInvitationEmail; email: OutgoingMessage }> = [];
    const unrendered: CaptureItem[] = [];
    for (const item of items) {
      const { row } = item;
      const sent: SentInvitationEmail = {
        tenantId: row.tenant_id,
        invitationId: row.id,
        reason: "invitation",
        ...this.deps.outbox.newMessage(),
      };
      const message = {
        id: sent.id,
        tenantId: row.tenant_id,
        invitationId: row.id,
        payload: invitationEmailPayload(sent),
        attempts: 1,
        messageId: sent.messageId,
        createdAt: item.now,
      };
      let email: ReturnType<typeof composeInvitationEmail> | undefined;
      try {
        email = composeInvitationEmail({
          message,
          context,
          settings: item.settings,
          from: item.target.from,
          box: this.deps.box,
          publicUrl: this.deps.publicUrl,
          now: item.now,
        });
      } catch {
        // The worker renders it again and reports what went wrong.
      }
      if (email && !("skip" in email)) stored.push({ item, sent, email });
      else unrendered.push(item);
    }
    await this.deps.outbox.recordSentAll(
      trx,
      stored.map((s) => s.sent),
    );
    for (const [transport, group] of groupBy(stored, (s) => s.item.target.transport)) {
      await transport.storeInTransaction?.(
        trx,
        group.map((s) => s.email),
      );
    }
    const events: NewEvent[] = stored.map(({ item, sent }) => ({
      tenantId: item.row.tenant_id,
      actor: SYSTEM_ACTOR,
      type: "invitation.email_sent",
      organizationId: item.row.organization_id,
      invitationId: item.row.id,
      data: { messageId: sent.messageId, attempts: 1 },
    }));
    return { events, unrendered };
  }
}
