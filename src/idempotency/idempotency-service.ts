import type { Clock } from "../core/clock.js";
import { type SecretBox, sha256 } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import type { Db } from "../db/database.js";

export interface StoredAnswer {
  statusCode: number;
  body: unknown;
}

/** A key whose first request is still being answered has no status yet. */
const IN_PROGRESS = 0;
/** How often a request waits on a key in progress looks again. */
const POLL_MS = 20;
/** A key in progress for longer than this was left by a process that died: it is taken over. */
const LEASE_MS = 10_000;
/** How long a key and its answer are kept: a client retries within minutes, not days. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How often a process deletes the keys past their retention, at most. */
const PRUNE_EVERY_MS = 60_000;
/** Keys deleted in one round. */
const PRUNE_AT_MOST = 1_000;

/**
 * `Idempotency-Key` for creates: the first answer to a key is stored and returned again for
 * the same body; another body under the same key is refused. Only 2xx answers are stored.
 *
 * The first request reserves the key before it creates anything, and stores its answer there
 * afterwards; a concurrent request with the same key, in this process or another, waits for
 * that answer instead of creating too. A request that fails gives the key back.
 *
 * An answer holds the invitations' accept links, tokens included: it is stored sealed with the
 * server key, as tokens are (ADR 0003), and kept for a day (ADR 0023).
 */
export class IdempotencyService {
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly box: SecretBox,
  ) {}

  async run(tenantId: string, key: string, request: unknown, execute: () => Promise<StoredAnswer>): Promise<StoredAnswer> {
    const hash = sha256(JSON.stringify(request));
    for (;;) {
      const reserved = await this.reserve(tenantId, key, hash);
      if (reserved !== undefined) return this.answer(tenantId, key, reserved, execute);
      const stored = await this.find(tenantId, key, hash);
      if (stored === undefined) continue;
      if (stored.statusCode !== IN_PROGRESS) return { statusCode: stored.statusCode, body: stored.body };
      const taken = await this.takeOver(tenantId, key, stored.reservedAt);
      if (taken !== undefined) return this.answer(tenantId, key, taken, execute);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /**
   * Runs the request under the key reserved at `reservedAt`: its 2xx answer is stored, anything
   * else frees the key. Both only while the reservation is still this request's.
   */
  private async answer(tenantId: string, key: string, reservedAt: number, execute: () => Promise<StoredAnswer>): Promise<StoredAnswer> {
    const mine = reservation(tenantId, key, reservedAt);
    const release = () =>
      this.db
        .deleteFrom("idempotency_keys")
        .where((eb) => eb.and(mine))
        .execute();
    let answer: StoredAnswer;
    try {
      answer = await execute();
    } catch (error) {
      await release();
      throw error;
    }
    if (answer.statusCode >= 300) await release();
    else {
      await this.db
        .updateTable("idempotency_keys")
        .set({ status_code: answer.statusCode, body: this.box.seal(JSON.stringify(answer.body)) })
        .where((eb) => eb.and(mine))
        .execute();
    }
    return answer;
  }

  /** The key for this request, reserved now; undefined when it exists already. */
  private async reserve(tenantId: string, key: string, hash: string): Promise<number | undefined> {
    const now = this.clock.now();
    const inserted = await this.db
      .insertInto("idempotency_keys")
      .values({ tenant_id: tenantId, key, request_hash: hash, status_code: IN_PROGRESS, body: "", created_at: now })
      .onConflict((oc) => oc.doNothing())
      .returning("key")
      .executeTakeFirst();
    if (now - this.prunedAt >= PRUNE_EVERY_MS) await this.prune(now);
    return inserted ? now : undefined;
  }

  /**
   * Deletes keys past their retention, in this tenant and every other: at most a thousand at a
   * time, so that a request never waits on a long delete (after an upgrade, say); the next
   * rounds take the rest. A delete that fails is tried again at the next round, and the
   * request goes on.
   */
  private async prune(now: number): Promise<void> {
    this.prunedAt = now;
    const old = this.db
      .selectFrom("idempotency_keys")
      .select(["tenant_id", "key"])
      .where("created_at", "<", now - IDEMPOTENCY_RETENTION_MS)
      .limit(PRUNE_AT_MOST);
    try {
      await this.db
        .deleteFrom("idempotency_keys")
        .where((eb) => eb(eb.refTuple("tenant_id", "key"), "in", old.$asTuple("tenant_id", "key")))
        .execute();
    } catch {
      this.prunedAt = Number.NEGATIVE_INFINITY;
    }
  }

  /**
   * A stored answer's JSON. One in plain JSON was written by a process of an earlier version
   * still running beside this one (a rolling upgrade): it is read as it is.
   */
  private open(body: string): string {
    return body.startsWith("v1.") ? this.box.decrypt(body) : body;
  }

  /** A reservation older than the lease becomes this request's, unless another took it first. */
  private async takeOver(tenantId: string, key: string, reservedAt: number): Promise<number | undefined> {
    const now = this.clock.now();
    if (now - reservedAt < LEASE_MS) return undefined;
    const result = await this.db
      .updateTable("idempotency_keys")
      .set({ created_at: now })
      .where((eb) => eb.and(reservation(tenantId, key, reservedAt)))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? now : undefined;
  }

  private async find(tenantId: string, key: string, hash: string) {
    const row = await this.db
      .selectFrom("idempotency_keys")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("key", "=", key)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.request_hash !== hash) {
      throw new AppError("idempotency_key_reused", { detail: "this Idempotency-Key was used with a different request body" });
    }
    return {
      statusCode: row.status_code,
      body: row.status_code === IN_PROGRESS ? undefined : JSON.parse(this.open(row.body)),
      reservedAt: row.created_at,
    };
  }
}

/** The key while it is still reserved at `reservedAt` (no answer yet, not taken over). */
function reservation(tenantId: string, key: string, reservedAt: number) {
  return { tenant_id: tenantId, key, status_code: IN_PROGRESS, created_at: reservedAt };
}
