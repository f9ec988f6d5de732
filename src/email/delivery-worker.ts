import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { SecretBox } from "../core/crypto.js";
import type { DatabaseKind, Db } from "../db/database.js";
import type { EventService } from "../events/event-service.js";
import type { SettingsService } from "../settings/settings-service.js";
import { deliverBatch } from "./deliver-batch.js";
import { type ClaimedMessage, claimDueMessages } from "./delivery-queries.js";
import type { Outbox } from "./outbox.js";
import type { MailAddress } from "./sender-address.js";
import type { MailTransport } from "./transport.js";

export interface DeliveryWorkerOptions {
  /** Messages claimed at once. */
  batchSize?: number;
  /** Batches in flight at once in this process. */
  concurrency?: number;
  /**
   * Sends in flight at once per batch. Kept near the SMTP pool size, so that messages wait
   * here rather than in the transport's queue, where a late one could no longer be held back.
   */
  sendConcurrency?: number;
  /** How long a claim is held; a claim older than this is taken again (its process died). */
  leaseMs?: number;
  /** How often to look for due messages when no commit in this process woke the worker. */
  pollMs?: number;
  /**
   * After a batch that was not full, wait this long before claiming again, so that a steady
   * stream of single creates is sent in batches rather than one claim per create. The first
   * message after a quiet spell still goes out at once.
   */
  coalesceMs?: number;
  /** Attempts before a message is marked dead. */
  maxAttempts?: number;
  /** First retry delay; doubles with every attempt, plus up to 50% jitter. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
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
  fromFor: (tenantId: string) => Promise<MailAddress>;
  publicUrl: string;
  log: Logger;
}

/** A claim: its rows and the `locked_until` that fences them. */
export interface ClaimedBatch {
  messages: ClaimedMessage[];
  lockedUntil: number;
}

export const DEFAULT_WORKER_OPTIONS: Required<DeliveryWorkerOptions> = {
  batchSize: 200,
  concurrency: 2,
  sendConcurrency: 16,
  leaseMs: 60_000,
  pollMs: 1_000,
  coalesceMs: 25,
  maxAttempts: 16,
  baseBackoffMs: 5_000,
  maxBackoffMs: 3_600_000,
};

/**
 * Delivers outbox messages after commit (ADR 0050): claims due rows (SKIP LOCKED on
 * PostgreSQL so several processes share the work), sends, marks sent; retries with exponential
 * backoff and jitter; a claim whose process died is taken again once its lease runs out.
 * It wakes at once after a commit in this process that queued mail, and polls otherwise.
 */
export class DeliveryWorker {
  readonly options: Required<DeliveryWorkerOptions>;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly lanes = new Set<Promise<void>>();
  /** Set by a wake-up while lanes run, so an empty claim is tried once more before idling. */
  private woken = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: DeliveryWorkerDeps,
    options: DeliveryWorkerOptions = {},
  ) {
    this.options = { ...DEFAULT_WORKER_OPTIONS, ...options };
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.deps.outbox.onEnqueued(() => this.wake());
    this.wake();
  }

  /** Stops claiming and waits for the batches in flight to be sent and recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.lanes]);
  }

  wake(): void {
    if (this.stopped) return;
    this.woken = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lanes.size === 0) this.addLane();
  }

  /** One more lane, up to `concurrency`: lanes are added while claims come back full. */
  private addLane(): void {
    if (this.stopped || this.lanes.size >= this.options.concurrency) return;
    const lane: Promise<void> = this.runLane().finally(() => {
      this.lanes.delete(lane);
      this.scheduleIdlePoll();
    });
    this.lanes.add(lane);
  }

  /** Delivers until nothing is due, whether or not the worker runs; answers how many were handled. */
  async drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      const batch = await this.claimBatch();
      if (batch.messages.length === 0) return handled;
      await this.deliverBatch(batch);
      handled += batch.messages.length;
    }
  }

  async claimBatch(): Promise<ClaimedBatch> {
    const now = this.deps.clock.now();
    const lockedUntil = now + this.options.leaseMs;
    const messages = await claimDueMessages(this.deps.db, this.deps.kind, now, lockedUntil, this.options.batchSize);
    return { messages, lockedUntil };
  }

  async deliverBatch(batch: ClaimedBatch): Promise<void> {
    await deliverBatch(this.deps, this.options, batch);
  }

  private async runLane(): Promise<void> {
    try {
      while (!this.stopped) {
        this.woken = false;
        const batch = await this.claimBatch();
        if (batch.messages.length === 0) {
          if (this.woken) continue;
          return;
        }
        const full = batch.messages.length >= this.options.batchSize;
        if (full) this.addLane();
        await this.deliverBatch(batch);
        if (!full && !this.stopped) await pause(this.options.coalesceMs);
      }
    } catch (error) {
      // The database is unreachable or a bug: log, idle until the next poll; claims held by
      // this batch are retaken when their lease runs out.
      this.deps.log.error({ err: error }, "email delivery failed; retrying at the next poll");
    }
  }

  private scheduleIdlePoll(): void {
    if (this.stopped || this.lanes.size > 0 || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wake();
    }, this.options.pollMs);
    this.timer.unref();
  }
}

function pause(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
