import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.js";
import { isValidEmail, normalizeEmail } from "../core/email-address.js";
import { AppError, validationError } from "../core/errors.js";
import { groupBy } from "../core/group-by.js";
import type { IdGenerator } from "../core/ids.js";
import { type Page, toPage } from "../core/pagination.js";
import { type InsertSpec, insertRows } from "../db/bulk.js";
import type { DatabaseKind, Db } from "../db/database.js";
import { isUniqueViolation } from "../db/errors.js";
import type { Invalidations } from "../db/invalidations.js";
import { newestFirst, oneOf } from "../db/lists.js";
import type { Database, UserRow } from "../db/schema.js";
import type { Actor, EventService } from "../events/event-service.js";

export interface User {
  id: string;
  email: string;
  name: string | null;
  createdAt: number;
}

const USER_INSERT: InsertSpec = {
  table: "users",
  columns: ["id", "tenant_id", "email", "name", "created_at"],
  tail: 'on conflict do nothing returning "id"',
};

export class UserService {
  constructor(
    private readonly db: Db,
    private readonly kind: DatabaseKind,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
    private readonly events: EventService,
    private readonly invalidations: Invalidations,
  ) {}

  async create(tenantId: string, actor: Actor, input: { email: string; name?: string | null }): Promise<User> {
    if (!isValidEmail(input.email)) throw validationError("/email", "must be a valid email address");
    const row: UserRow = {
      id: this.newId("usr"),
      tenant_id: tenantId,
      email: normalizeEmail(input.email),
      name: input.name ?? null,
      created_at: this.clock.now(),
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto("users").values(row).execute();
        await this.events.record(trx, tenantId, actor, "user.created", { userId: row.id });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError("user_already_exists", { detail: "a user with this email already exists" });
      throw error;
    }
    return toUser(row);
  }

  /**
   * The user with this email, made if there is none. The insert comes first: an invitee who
   * accepts usually has no account yet, and a conflict (an existing user, or one created
   * concurrently) falls back to reading it.
   */
  async findOrCreateByEmail(trx: Kysely<Database>, tenantId: string, email: string, name: string | null) {
    const [found] = await this.findOrCreateAllByEmail(trx, [{ tenantId, email, name }]);
    if (!found) throw new Error("user vanished between conflict and read");
    return found;
  }

  /**
   * `findOrCreateByEmail` for several (tenant, email) pairs, all different, in one insert and at
   * most one read: answers each pair's user in order, or undefined for a pair whose user is
   * neither inserted nor found (created concurrently and not yet visible), which the caller
   * treats as a conflict.
   */
  async findOrCreateAllByEmail(
    trx: Kysely<Database>,
    wanted: ReadonlyArray<{ tenantId: string; email: string; name: string | null }>,
  ): Promise<Array<{ user: User; created: boolean } | undefined>> {
    if (wanted.length === 0) return [];
    const now = this.clock.now();
    const rows: UserRow[] = wanted.map((w) => ({
      id: this.newId("usr"),
      tenant_id: w.tenantId,
      email: normalizeEmail(w.email),
      name: w.name,
      created_at: now,
    }));
    const inserted = new Set(
      (
        await insertRows<{ id: string }>(
          trx,
          this.kind,
          USER_INSERT,
          rows.map((row) => [row.id, row.tenant_id, row.email, row.name, row.created_at]),
        )
      ).map((r) => r.id),
    );
    const missing = rows.filter((row) => !inserted.has(row.id));
    const existing = new Map<string, User>();
    // One read per tenant, by (tenant_id, email in ...): the unique index's own range.
    for (const [tenantId, group] of groupBy(missing, (row) => row.tenant_id)) {
      const emails = group.map((row) => row.email);
      const found = await trx
        .selectFrom("users")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where(oneOf(this.kind, "email", emails))
        .execute();
      for (const row of found) existing.set(`${row.tenant_id}\u0000${row.email}`, toUser(row));
    }
    return rows.map((row) => {
      if (inserted.has(row.id)) return { user: toUser(row), created: true };
      const user = existing.get(`${row.tenant_id}\u0000${row.email}`);
      return user && { user, created: false };
    });
  }

  async get(tenantId: string, id: string, db: Kysely<Database> = this.db): Promise<User> {
    const row = await db.selectFrom("users").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
    if (!row) throw new AppError("user_not_found", { detail: `user ${id} does not exist` });
    return toUser(row);
  }

  async findByEmail(db: Kysely<Database>, tenantId: string, email: string): Promise<User | undefined> {
    const row = await db
      .selectFrom("users")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("email", "=", normalizeEmail(email))
      .executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async list(tenantId: string, options: { email?: string; limit: number; cursor?: string }): Promise<Page<User>> {
    let query = this.db.selectFrom("users").selectAll().where("tenant_id", "=", tenantId);
    if (options.email !== undefined) query = query.where("email", "=", normalizeEmail(options.email));
    const rows = await newestFirst(query, options.cursor, options.limit + 1).execute();
    return toPage(rows, options.limit, toUser);
  }

  async delete(tenantId: string, actor: Actor, id: string): Promise<void> {
    const revoked = await this.db.transaction().execute(async (trx) => {
      // A key bound to this user acted as the user; it must not live on as an unbound key.
      const keys = await trx
        .updateTable("api_keys")
        .set({ revoked_at: this.clock.now() })
        .where("tenant_id", "=", tenantId)
        .where("user_id", "=", id)
        .where("revoked_at", "is", null)
        .returning("id")
        .execute();
      const result = await trx.deleteFrom("users").where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new AppError("user_not_found", { detail: `user ${id} does not exist` });
      await this.events.record(trx, tenantId, actor, "user.deleted", { userId: id });
      const keyIds = keys.map((key) => key.id);
      await this.invalidations.announce(trx, "api_key", keyIds);
      return keyIds;
    });
    this.invalidations.dropHere("api_key", revoked);
  }
}

export function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at };
}
