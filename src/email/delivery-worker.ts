import { sql } from "kysely";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { SecretBox } from "../core/crypto.js";
import type { DatabaseKind, Db } from "../db/database.js";
import type { OutboxRow } from "../db/schema.js";
import { type EventService, SYSTEM_ACTOR } from "../events/event-service.js";
import { buildAcceptLink } from "../invitations/invitation.js";
import type { SettingsService } from "../settings/settings-service.js";
import type { InvitationEmailPayload, Outbox } from "./outbox.js";
import { renderInvitationEmail } from "./render.js";
import { DeliveryError, type MailTransport } from "./transport.js";

export interface DeliveryWorkerOptions {
  batchSize?: number;
  leaseMs?: number;
  pollMs?: number;
  maxAttempts?: number;
  baseBackoffMs?: number;
}

export interface DeliveryWorkerDeps {
  db: Db;
  kind: DatabaseKind;
  clock: Clock;
  box: SecretBox;
  outbox: Outbox;
  events: EventService;
  settings: SettingsService;
  /** Picks the transport for a tenant (its SMTP URL, the server's, or capture). */
  transportFor: (tenantId: string) => Promise<MailTransport>;
  fromFor: (tenantId: string) => Promise<string>;
  publicUrl: string;
  log: Logger;
}

/**
 * Delivers outbox messages after commit: claims due rows (SKIP LOCKED on PostgreSQL so
 * several processes share the work), sends, marks sent; retries with exponential backoff and
 * jitter; a claim whose process died is taken again once its lease runs out.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;
  private readonly options: Required<DeliveryWorkerOptions>;

  constructor(
    private readonly deps: DeliveryWorkerDeps,
    options: DeliveryWorkerOptions = {},
  ) {
    this.options = { batchSize: 50, leaseMs: 60_000, pollMs: 1_000, maxAttempts: 8, baseBackoffMs: 2_000, ...options };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.deps.outbox.onEnqueued(() => this.wake());
    this.wake();
  }

  /** Stops polling and waits for the batch in flight to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), this.options.pollMs);
        this.timer.unref();
      }
    });
  }

  /** Delivers until nothing is due; returns how many messages were handled. */
  async drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      const batch = await this.claim();
      if (batch.length === 0) return handled;
      await Promise.all(batch.map((message) => this.deliver(message)));
      handled += batch.length;
    }
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped) {
        const batch = await this.claim();
        if (batch.length === 0) return;
        await Promise.all(batch.map((message) => this.deliver(message)));
      }
    } catch (error) {
      this.deps.log.error({ err: error }, "outbox delivery loop failed");
    }
  }

  async claim(): Promise<OutboxRow[]> {
    const now = this.deps.clock.now();
    const lockedUntil = now + this.options.leaseMs;
    const lock = this.deps.kind === "postgres" ? sql`for update skip locked` : sql``;
    const result = await sql<OutboxRow>`
      update outbox set status = 'sending', locked_until = ${lockedUntil}, attempts = attempts + 1
      where id in (
        select id from outbox
        where (status = 'queued' and next_attempt_at <= ${now}) or (status = 'sending' and locked_until <= ${now})
        order by next_attempt_at
        limit ${this.options.batchSize}
        ${lock}
      )
      returning *`.execute(this.deps.db);
    return result.rows.map((row) => ({ ...row, attempts: Number(row.attempts), created_at: Number(row.created_at) }));
  }

  private async deliver(message: OutboxRow): Promise<void> {
    const { db, clock } = this.deps;
    const payload = JSON.parse(message.payload) as InvitationEmailPayload;
    try {
      const email = await this.compose(message, payload);
      if (!email) {
        await db
          .updateTable("outbox")
          .set({ status: "dead", last_error: "invitation_not_pending", locked_until: null })
          .where("id", "=", message.id)
          .execute();
        return;
      }
      const transport = await this.deps.transportFor(message.tenant_id);
      await transport.send(email);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("outbox")
          .set({ status: "sent", sent_at: clock.now(), locked_until: null, last_error: null })
          .where("id", "=", message.id)
          .execute();
        await trx
          .updateTable("invitations")
          .set({ delivery_status: "sent", delivery_attempts: message.attempts, delivery_error: null })
          .where("id", "=", payload.invitationId)
          .execute();
        await this.deps.events.record(trx, message.tenant_id, SYSTEM_ACTOR, "invitation.email_sent", {
          invitationId: payload.invitationId,
          data: { messageId: message.message_id, attempts: message.attempts },
        });
      });
    } catch (error) {
      await this.recordFailure(message, payload, error);
    }
  }

  private async recordFailure(message: OutboxRow, payload: InvitationEmailPayload, error: unknown): Promise<void> {
    const { db, clock } = this.deps;
    const errorClass = error instanceof DeliveryError ? error.message : "internal_error";
    const permanent = error instanceof DeliveryError && error.errorClass === "permanent";
    const dead = permanent || message.attempts >= this.options.maxAttempts;
    if (!(error instanceof DeliveryError)) this.deps.log.error({ err: error, outboxId: message.id }, "email delivery failed");
    const backoff = this.options.baseBackoffMs * 2 ** (message.attempts - 1);
    const jitter = Math.random() * backoff * 0.5;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable("outbox")
        .set({
          status: dead ? "dead" : "queued",
          next_attempt_at: clock.now() + Math.round(backoff + jitter),
          locked_until: null,
          last_error: errorClass,
        })
        .where("id", "=", message.id)
        .execute();
      await trx
        .updateTable("invitations")
        .set({ delivery_status: dead ? "failed" : "queued", delivery_attempts: message.attempts, delivery_error: errorClass })
        .where("id", "=", payload.invitationId)
        .execute();
      if (dead) {
        await this.deps.events.record(trx, message.tenant_id, SYSTEM_ACTOR, "invitation.email_failed", {
          invitationId: payload.invitationId,
          data: { attempts: message.attempts, error: errorClass },
        });
      }
    });
  }

  /** Renders the message from the invitation as it is now; null when it is no longer pending. */
  private async compose(message: OutboxRow, payload: InvitationEmailPayload) {
    const { db, clock, box } = this.deps;
    const invitation = await db.selectFrom("invitations").selectAll().where("id", "=", payload.invitationId).executeTakeFirst();
    if (invitation?.status !== "pending" || invitation.expires_at <= clock.now()) return null;
    const settings = await this.deps.settings.get(invitation.tenant_id);
    const roleIds = JSON.parse(invitation.role_ids) as string[];
    const [organization, inviter, roles] = await Promise.all([
      db.selectFrom("organizations").select("name").where("id", "=", invitation.organization_id).executeTakeFirst(),
      invitation.inviter_user_id
        ? db.selectFrom("users").select(["name", "email"]).where("id", "=", invitation.inviter_user_id).executeTakeFirst()
        : Promise.resolve(undefined),
      roleIds.length > 0 ? db.selectFrom("roles").select("name").where("id", "in", roleIds).orderBy("name").execute() : Promise.resolve([]),
    ]);
    const token = box.decrypt(invitation.token_cipher);
    const base = invitation.accept_url ?? settings.acceptUrl ?? `${this.deps.publicUrl}/accept`;
    const locale = invitation.locale ?? settings.locale;
    const rendered = renderInvitationEmail(
      {
        organizationName: organization?.name ?? "",
        inviterName: inviter ? (inviter.name ?? inviter.email) : null,
        roleNames: roles.map((r) => r.name),
        link: buildAcceptLink(base, token),
        expiresAt: invitation.expires_at,
        brandName: settings.brandName,
        reason: payload.reason,
      },
      locale,
    );
    return {
      tenantId: message.tenant_id,
      outboxId: message.id,
      messageId: message.message_id,
      from: await this.deps.fromFor(message.tenant_id),
      to: invitation.email,
      ...rendered,
      headers: { "Content-Language": locale },
    };
  }
}
