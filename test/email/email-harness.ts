import type { DeliveryWorkerOptions } from "../../src/email/delivery-worker.js";
import { type Client, client, createTestContext, type DbKind, type TestContext } from "../helpers/harness.js";
import { waitUntil } from "./smtp-sink.js";

/** Short delays so retries happen within a test; the lease stays long enough for loopback SMTP. */
export const FAST_WORKER: DeliveryWorkerOptions = { pollMs: 50, baseBackoffMs: 20, maxBackoffMs: 200, leaseMs: 10_000, maxAttempts: 4 };

export interface EmailTestContext extends TestContext {
  api: Client;
}

export async function createEmailContext(
  kind: DbKind,
  options: { smtpUrl?: string; worker?: DeliveryWorkerOptions; startWorker?: boolean } = {},
): Promise<EmailTestContext> {
  const ctx = await createTestContext(kind, {
    config: { smtpUrl: options.smtpUrl },
    overrides: { worker: { ...FAST_WORKER, ...options.worker } },
    startWorker: options.startWorker ?? false,
  });
  return { ...ctx, api: client(ctx.app, ctx.adminKey) };
}

export interface Delivery {
  status: "queued" | "sent" | "failed";
  attempts: number;
  lastError: string | null;
}

export type InvitationBody = {
  id: string;
  email: string;
  status: string;
  acceptUrl: string | null;
  delivery: Delivery | null;
};

/** Waits until the invitation's delivery state satisfies `done`, and answers it. */
export async function waitForDelivery(
  api: Client,
  invitationId: string,
  done: (delivery: Delivery) => boolean,
  timeoutMs = 15_000,
): Promise<Delivery> {
  let last: Delivery | null = null;
  await waitUntil(
    async () => {
      const res = await api.get<InvitationBody>(`/v1/invitations/${invitationId}`);
      last = res.body.delivery;
      return last !== null && done(last);
    },
    timeoutMs,
    `delivery of ${invitationId} (last seen ${JSON.stringify(last)})`,
  );
  if (!last) throw new Error("no delivery state");
  return last;
}

export async function outboxRows(ctx: TestContext) {
  return ctx.usher.db.selectFrom("outbox").selectAll().orderBy("created_at").execute();
}
