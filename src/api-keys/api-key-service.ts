import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.js";
import { hashSecret, safeEqual } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import type { IdGenerator } from "../core/ids.js";
import type { Db } from "../db/database.js";
import { DroppableCache, type Invalidations } from "../db/invalidations.js";
import type { ApiKeyRow, Database } from "../db/schema.js";
import type { Actor, EventService } from "../events/event-service.js";
import type { Scope } from "./scopes.js";

/** Who is calling: resolved from an API key on every authenticated request. */
export interface AuthContext {
  tenantId: string;
  keyId: string;
  scopes: readonly string[];
  /** The user the key is bound to, if any (Elastic's sender and accepting user). */
  userId: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  scopes: string[];
  userId: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** `<key id>.<secret>`: shown once, never stored. */
  key: string;
}

interface CachedKey {
  row: ApiKeyRow;
  scopes: string[];
}

const CACHE_TTL_MS = 10_000;
const LAST_USED_EVERY_MS = 60_000;

export class ApiKeyService {
  private readonly cache: DroppableCache<CachedKey>;
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
    private readonly events: EventService,
    private readonly invalidations: Invalidations,
  ) {
    this.cache = new DroppableCache(invalidations, "api_key", CACHE_TTL_MS);
  }

  /** Splits and verifies `<key id>.<secret>`; null for anything that is not a live key. */
  async authenticate(presented: string): Promise<AuthContext | null> {
    const dot = presented.indexOf(".");
    if (dot < 1) return null;
    const keyId = presented.slice(0, dot);
    const secret = presented.slice(dot + 1);
    if (!keyId.startsWith("key_") || keyId.length > 21 || secret.length === 0) return null;
    const cached = await this.load(keyId);
    if (!cached || cached.row.revoked_at !== null) return null;
    if (!safeEqual(hashSecret(secret), cached.row.secret_hash)) return null;
    this.touch(keyId);
    return { tenantId: cached.row.tenant_id, keyId, scopes: cached.scopes, userId: cached.row.user_id };
  }

  async create(
    trx: Kysely<Database>,
    tenantId: string,
    actor: Actor,
    input: { name: string; scopes?: Scope[]; userId?: string | null; id?: string; secret?: string },
  ): Promise<CreatedApiKey> {
    if (input.userId) {
      const user = await trx
        .selectFrom("users")
        .select("id")
        .where("tenant_id", "=", tenantId)
        .where("id", "=", input.userId)
        .executeTakeFirst();
      if (!user) throw new AppError("user_not_found", { detail: `user ${input.userId} does not exist` });
    }
    const id = input.id ?? this.newId("key");
    const secret = input.secret ?? randomBytes(24).toString("base64url");
    const scopes = input.scopes && input.scopes.length > 0 ? [...new Set(input.scopes)] : ["admin"];
    const row = {
      id,
      tenant_id: tenantId,
      name: input.name,
      secret_hash: hashSecret(secret),
      scopes: JSON.stringify(scopes),
      user_id: input.userId ?? null,
      created_at: this.clock.now(),
      last_used_at: null,
      revoked_at: null,
    };
    await trx.insertInto("api_keys").values(row).execute();
    await this.events.record(trx, tenantId, actor, "api_key.created", { data: { apiKeyId: id, scopes } });
    return { apiKey: toApiKey(row), key: `${id}.${secret}` };
  }

  async createStandalone(tenantId: string, actor: Actor, input: { name: string; scopes?: Scope[]; userId?: string | null }) {
    return this.db.transaction().execute((trx) => this.create(trx, tenantId, actor, input));
  }

  async list(tenantId: string): Promise<ApiKey[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
    return rows.map(toApiKey);
  }

  async revoke(tenantId: string, actor: Actor, keyId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable("api_keys")
        .set({ revoked_at: this.clock.now() })
        .where("tenant_id", "=", tenantId)
        .where("id", "=", keyId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new AppError("api_key_not_found");
      await this.events.record(trx, tenantId, actor, "api_key.revoked", { data: { apiKeyId: keyId } });
      await this.invalidations.announce(trx, "api_key", [keyId]);
    });
    this.invalidations.dropHere("api_key", [keyId]);
  }

  private load(keyId: string): Promise<CachedKey | undefined> {
    return this.cache.get(keyId, async () => {
      const row = await this.db.selectFrom("api_keys").selectAll().where("id", "=", keyId).executeTakeFirst();
      return row && { row, scopes: JSON.parse(row.scopes) as string[] };
    });
  }

  /**
   * The live key with this id, without its secret: for credentials derived from a key that
   * was already verified (signed access tokens), so that revoking the key ends them too.
   */
  async authenticateKeyId(keyId: string): Promise<AuthContext | null> {
    if (!keyId.startsWith("key_") || keyId.length > 21) return null;
    const cached = await this.load(keyId);
    if (!cached || cached.row.revoked_at !== null) return null;
    this.touch(keyId);
    return { tenantId: cached.row.tenant_id, keyId, scopes: cached.scopes, userId: cached.row.user_id };
  }

  /** Records "last used" at most once a minute per key, off the request path. */
  private touch(keyId: string): void {
    const now = this.clock.now();
    const last = this.lastUsedWritten.get(keyId) ?? 0;
    if (now - last < LAST_USED_EVERY_MS) return;
    this.lastUsedWritten.set(keyId, now);
    this.db
      .updateTable("api_keys")
      .set({ last_used_at: now })
      .where("id", "=", keyId)
      .execute()
      .catch(() => this.lastUsedWritten.delete(keyId));
  }
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as string[],
    userId: row.user_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
