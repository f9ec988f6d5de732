import type { Clock } from "../core/clock.js";
import { sha256 } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import type { Db } from "../db/database.js";

export interface StoredAnswer {
  statusCode: number;
  body: unknown;
}

/**
 * `Idempotency-Key` for creates: the first answer to a key is stored and returned again for
 * the same body; another body under the same key is refused. Only 2xx answers are stored.
 */
export class IdempotencyService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async run(tenantId: string, key: string, request: unknown, execute: () => Promise<StoredAnswer>): Promise<StoredAnswer> {
    const hash = sha256(JSON.stringify(request));
    const stored = await this.find(tenantId, key, hash);
    if (stored) return stored;
    try {
      const answer = await execute();
      if (answer.statusCode < 300) {
        await this.db
          .insertInto("idempotency_keys")
          .values({
            tenant_id: tenantId,
            key,
            request_hash: hash,
            status_code: answer.statusCode,
            body: JSON.stringify(answer.body),
            created_at: this.clock.now(),
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      return answer;
    } catch (error) {
      // A concurrent request with the same key may have won: answer as it did.
      const winner = await this.find(tenantId, key, hash);
      if (winner) return winner;
      throw error;
    }
  }

  private async find(tenantId: string, key: string, hash: string): Promise<StoredAnswer | undefined> {
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
    return { statusCode: row.status_code, body: JSON.parse(row.body) };
  }
}
