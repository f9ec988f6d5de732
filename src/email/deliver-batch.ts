import { groupBy } from "../core/group-by.js";
import { SYSTEM_ACTOR } from "../events/event-service.js";
import type { TenantSettings } from "../settings/settings.js";
import {
  type ClaimedMessage,
  loadMailContext,
  markInvitationsSent,
  markMessagesSent,
  releaseMessage,
  setInvitationDelivery,
} from "./delivery-queries.js";
import type { ClaimedBatch, DeliveryWorkerDeps, DeliveryWorkerOptions } from "./delivery-worker.js";
import { composeInvitationEmail, type SkipReason } from "./mail-composer.js";
import type { InvitationEmailPayload } from "./outbox.js";
import type { MailAddress } from "./sender-address.js";
import { DeliveryError, type MailTransport, type OutgoingMessage } from "./transport.js";

type Outcome =
  | { kind: "sent"; message: ClaimedMessage; organizationId: string }
  | { kind: "stored"; message: ClaimedMessage; organizationId: string; email: OutgoingMessage; transport: MailTransport }
  | { kind: "skipped"; message: ClaimedMessage; reason: SkipReason; organizationId: string | null }
  | { kind: "failed"; message: ClaimedMessage; error: DeliveryError; organizationId: string | null };

/**
 * One claimed batch: load what the emails show (a few queries for the whole batch), render,
 * send them all at once (the SMTP pool spreads them over its connections), then record every
 * outcome in one transaction. Recording is fenced by the claim: a worker whose lease ran out
 * and whose rows were retaken changes nothing.
 */
export async function deliverBatch(deps: DeliveryWorkerDeps, options: Required<DeliveryWorkerOptions>, batch: ClaimedBatch) {
  const { messages } = batch;
  if (messages.length === 0) return;
  const payloads = messages.map((m) => JSON.parse(m.payload) as InvitationEmailPayload);
  const context = await loadMailContext(deps.db, deps.kind, [...new Set(payloads.map((p) => p.invitationId))]);
  const tenants = await loadTenants(deps, [...new Set(messages.map((m) => m.tenantId))]);
  const now = deps.clock.now();
  // Sends still running when half the lease is gone are given up (and retried), so the
  // batch is recorded well before another process may take its rows; messages not yet handed
  // to the transport by then are not sent at all.
  const deadline = sleep(Math.max(1, options.leaseMs / 2));

  const outcomes = await mapLimited(messages, options.sendConcurrency, async (message): Promise<Outcome> => {
    const organizationId = context.invitations.get(message.invitationId ?? "")?.organization_id ?? null;
    try {
      const tenant = tenants.get(message.tenantId);
      if (!tenant) throw new Error(`tenant ${message.tenantId} has no settings`);
      const email = composeInvitationEmail({ message, context, ...tenant, box: deps.box, publicUrl: deps.publicUrl, now });
      if ("skip" in email) return { kind: "skipped", message, reason: email.skip, organizationId };
      const transport = await deps.transportFor(email.tenantId);
      if (transport.storeInTransaction) return { kind: "stored", message, organizationId: organizationId ?? "", email, transport };
      if (deadline.done) throw new DeliveryError("smtp_timeout", "temporary");
      await sendBefore(transport, email, deadline.promise);
      return { kind: "sent", message, organizationId: organizationId ?? "" };
    } catch (error) {
      if (!(error instanceof DeliveryError)) deps.log.error({ err: error, outboxId: message.id }, "composing or sending an email failed");
      const failure = error instanceof DeliveryError ? error : new DeliveryError("internal_error", "temporary");
      return { kind: "failed", message, error: failure, organizationId };
    }
  });
  deadline.cancel();
  await recordOutcomes(deps, options, batch.lockedUntil, outcomes);
}

async function loadTenants(deps: DeliveryWorkerDeps, tenantIds: string[]) {
  const entries = await Promise.all(
    tenantIds.map(async (id) => [id, { settings: await deps.settings.get(id), from: await deps.fromFor(id) }] as const),
  );
  return new Map<string, { settings: TenantSettings; from: MailAddress }>(entries);
}

async function sendBefore(transport: MailTransport, email: OutgoingMessage, deadline: Promise<void>): Promise<void> {
  const sent = transport.send(email);
  const late = deadline.then(() => {
    throw new DeliveryError("smtp_timeout", "temporary");
  });
  // The losing promise must not surface as an unhandled rejection.
  sent.catch(() => undefined);
  late.catch(() => undefined);
  await Promise.race([sent, late]);
}

async function recordOutcomes(
  deps: DeliveryWorkerDeps,
  options: Required<DeliveryWorkerOptions>,
  lockedUntil: number,
  outcomes: Outcome[],
): Promise<void> {
  const { db, clock, events } = deps;
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    const sent = outcomes.filter((o) => o.kind === "sent" || o.kind === "stored");
    const confirmed = await markMessagesSent(
      trx,
      deps.kind,
      sent.map((o) => o.message.id),
      lockedUntil,
      now,
    );
    const done = sent.filter((o) => confirmed.has(o.message.id));
    // Stored messages are written only while this claim still holds them.
    for (const [transport, stored] of groupByTransport(done)) {
      await transport.storeInTransaction?.(
        trx,
        stored.map((o) => o.email),
      );
    }
    await markInvitationsSent(
      trx,
      deps.kind,
      done.map((o) => o.message.id),
    );
    for (const [tenantId, items] of groupBy(done, (o) => o.message.tenantId)) {
      await events.recordMany(
        trx,
        tenantId,
        SYSTEM_ACTOR,
        "invitation.email_sent",
        items.map((o) => ({
          organizationId: o.organizationId,
          invitationId: o.message.invitationId,
          data: { messageId: o.message.messageId, attempts: o.message.attempts },
        })),
      );
    }

    for (const outcome of outcomes) {
      if (outcome.kind === "sent" || outcome.kind === "stored") continue;
      const { message } = outcome;
      const errorClass = outcome.kind === "skipped" ? outcome.reason : outcome.error.message;
      const dead = outcome.kind === "skipped" || outcome.error.errorClass === "permanent" || message.attempts >= options.maxAttempts;
      const released = await releaseMessage(trx, message.id, lockedUntil, {
        status: dead ? "dead" : "queued",
        nextAttemptAt: dead ? now : now + backoffMs(options, message.attempts),
        error: errorClass,
      });
      // A superseded message leaves the delivery state to the newer one.
      if (!released || !message.invitationId || (outcome.kind === "skipped" && outcome.reason === "superseded")) continue;
      await setInvitationDelivery(trx, message.invitationId, message.createdAt, {
        status: dead ? "failed" : "queued",
        attempts: message.attempts,
        error: errorClass,
      });
      if (dead && outcome.organizationId !== null) {
        await events.record(trx, message.tenantId, SYSTEM_ACTOR, "invitation.email_failed", {
          organizationId: outcome.organizationId,
          invitationId: message.invitationId,
          data: { messageId: message.messageId, attempts: message.attempts, error: errorClass },
        });
      }
    }
  });
}

/** Exponential (base × 2^(attempt−1), capped) plus up to 50% random jitter. */
export function backoffMs(options: Pick<Required<DeliveryWorkerOptions>, "baseBackoffMs" | "maxBackoffMs">, attempt: number): number {
  const exponential = Math.min(options.maxBackoffMs, options.baseBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential + Math.random() * exponential * 0.5);
}

function groupByTransport(outcomes: readonly Outcome[]) {
  const stored = outcomes.filter((o): o is Extract<Outcome, { kind: "stored" }> => o.kind === "stored");
  return groupBy(stored, (o) => o.transport);
}

function sleep(ms: number): { promise: Promise<void>; readonly done: boolean; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      done = true;
      resolve();
    }, ms);
    timer.unref();
  });
  return {
    promise,
    get done() {
      return done;
    },
    cancel: () => clearTimeout(timer),
  };
}

/** Like `Promise.all(items.map(fn))`, with at most `limit` calls running at once. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return results;
}
