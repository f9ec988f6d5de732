import { type ExpressionBuilder, type Kysely, type SqlBool, sql } from "kysely";
import type { Clock } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import { type CursorPosition, decodeCursor, encodeCursor, type Page } from "../core/pagination.js";
import { type InsertSpec, insertRows } from "../db/bulk.js";
import type { DatabaseKind, Db } from "../db/database.js";
import type { Database } from "../db/schema.js";
import type { Actor, EventService } from "../events/event-service.js";
import type { RoleService } from "../roles/role-service.js";

export interface Membership {
  organizationId: string;
  userId: string;
  roleIds: string[];
  createdAt: number;
}

export interface Member extends Membership {
  email: string;
  name: string | null;
  roles: Array<{ id: string; name: string }>;
}

const MEMBERSHIP_INSERT: InsertSpec = {
  table: "memberships",
  columns: ["tenant_id", "organization_id", "user_id", "created_at"],
  tail: 'on conflict do nothing returning "user_id"',
};
const MEMBERSHIP_ROLE_INSERT: InsertSpec = { table: "membership_roles", columns: ["tenant_id", "organization_id", "user_id", "role_id"] };

export class MemberService {
  constructor(
    private readonly db: Db,
    private readonly kind: DatabaseKind,
    private readonly clock: Clock,
    private readonly roles: RoleService,
    private readonly events: EventService,
  ) {}

  /** Adds a membership with roles inside the caller's transaction (also used by acceptance). */
  async insert(
    trx: Kysely<Database>,
    tenantId: string,
    organizationId: string,
    userId: string,
    roleIds: readonly string[],
  ): Promise<Membership> {
    const [membership] = (await this.insertAll(trx, [{ tenantId, organizationId, userId, roleIds }])) ?? [];
    if (!membership) throw new AppError("member_already_exists", { detail: "the user is already a member" });
    return membership;
  }

  /**
   * `insert` for several memberships, all of different (organization, user), in one statement
   * per table. Answers undefined when any of them existed already: the caller's transaction is
   * then to be rolled back, as `insert` would have refused that one.
   */
  async insertAll(
    trx: Kysely<Database>,
    wanted: ReadonlyArray<{ tenantId: string; organizationId: string; userId: string; roleIds: readonly string[] }>,
  ): Promise<Membership[] | undefined> {
    if (wanted.length === 0) return [];
    const createdAt = this.clock.now();
    const inserted = await insertRows(
      trx,
      this.kind,
      MEMBERSHIP_INSERT,
      wanted.map((w) => [w.tenantId, w.organizationId, w.userId, createdAt]),
    );
    if (inserted.length !== wanted.length) return undefined;
    const memberships = wanted.map((w) => ({
      organizationId: w.organizationId,
      userId: w.userId,
      roleIds: [...new Set(w.roleIds)],
      createdAt,
    }));
    const roleRows = wanted.flatMap((w, i) =>
      (memberships[i]?.roleIds ?? []).map((roleId) => [w.tenantId, w.organizationId, w.userId, roleId]),
    );
    await insertRows(trx, this.kind, MEMBERSHIP_ROLE_INSERT, roleRows);
    return memberships;
  }

  /**
   * `countUpTo` for several organizations, in their order: on PostgreSQL one statement for any
   * number (ADR 0017), on SQLite one each.
   */
  async countUpToMany(db: Kysely<Database>, counts: ReadonlyArray<{ tenantId: string; organizationId: string; cap: number }>) {
    if (this.kind !== "postgres" || counts.length === 1) {
      const found: number[] = [];
      for (const c of counts) found.push(await this.countUpTo(db, c.tenantId, c.organizationId, c.cap));
      return found;
    }
    const rows = await sql<{ n: number }>`
      select (select count(*) from (
        select 1 from "memberships" as "m"
        where "m"."tenant_id" = "k"."tenant_id" and "m"."organization_id" = "k"."organization_id"
        limit "k"."cap") as "p")::int as "n"
      from unnest(${counts.map((c) => c.tenantId)}::text[], ${counts.map((c) => c.organizationId)}::text[],
        ${counts.map((c) => c.cap)}::int[]) with ordinality as "k"("tenant_id", "organization_id", "cap", "at")
      order by "k"."at"`.execute(db);
    return rows.rows.map((row) => Number(row.n));
  }

  /** The organization's members, counted up to `cap` (no further: only the cap is compared). */
  async countUpTo(db: Kysely<Database>, tenantId: string, organizationId: string, cap: number): Promise<number> {
    const row = await db
      .selectFrom((eb) => membershipsUpTo(eb, tenantId, organizationId, cap))
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async add(tenantId: string, actor: Actor, organizationId: string, input: { userId: string; roleIds?: string[] }) {
    const roleIds = [...new Set(input.roleIds ?? [])];
    return this.db.transaction().execute(async (trx) => {
      await this.requireOrganization(trx, tenantId, organizationId);
      const user = await trx
        .selectFrom("users")
        .select("id")
        .where("tenant_id", "=", tenantId)
        .where("id", "=", input.userId)
        .executeTakeFirst();
      if (!user) throw new AppError("user_not_found", { detail: `user ${input.userId} does not exist` });
      await this.roles.findAll(trx, tenantId, roleIds);
      const membership = await this.insert(trx, tenantId, organizationId, input.userId, roleIds);
      await this.events.record(trx, tenantId, actor, "member.added", {
        organizationId,
        userId: input.userId,
        data: { roleIds },
      });
      return membership;
    });
  }

  /**
   * A page of the organization's members, newest first, after the keyset `cursor` (the last
   * member's `created_at` and user id) when one is given.
   */
  async page(tenantId: string, organizationId: string, options: { limit: number; cursor?: string }): Promise<Page<Member>> {
    const after = decodeCursor(options.cursor);
    const members = await this.list(tenantId, organizationId, { limit: options.limit + 1, after });
    const page = members.slice(0, options.limit);
    const last = page.at(-1);
    return { data: page, nextCursor: members.length > options.limit && last ? encodeCursor(last.createdAt, last.userId) : null };
  }

  async list(
    tenantId: string,
    organizationId: string,
    options: { limit?: number; offset?: number; after?: CursorPosition } = {},
  ): Promise<Member[]> {
    await this.requireOrganization(this.db, tenantId, organizationId);
    let query = this.db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select(["m.organization_id", "m.user_id", "m.created_at", "u.email", "u.name"])
      .where("m.tenant_id", "=", tenantId)
      .where("m.organization_id", "=", organizationId)
      .orderBy("m.created_at", "desc")
      .orderBy("m.user_id", "desc");
    // A row-value comparison, so that both engines read the index range (an `or` scans).
    const { after } = options;
    if (after) query = query.where(sql<SqlBool>`(${sql.ref("m.created_at")}, ${sql.ref("m.user_id")}) < (${after.createdAt}, ${after.id})`);
    if (options.limit !== undefined) query = query.limit(options.limit).offset(options.offset ?? 0);
    const rows = await query.execute();
    const roleRows =
      rows.length === 0
        ? []
        : await this.db
            .selectFrom("membership_roles as mr")
            .innerJoin("roles as r", "r.id", "mr.role_id")
            .select(["mr.user_id", "r.id", "r.name"])
            .where("mr.organization_id", "=", organizationId)
            .where(
              "mr.user_id",
              "in",
              rows.map((r) => r.user_id),
            )
            .orderBy("r.name")
            .execute();
    return rows.map((row) => {
      const roles = roleRows.filter((r) => r.user_id === row.user_id).map((r) => ({ id: r.id, name: r.name }));
      return {
        organizationId: row.organization_id,
        userId: row.user_id,
        email: row.email,
        name: row.name,
        roleIds: roles.map((r) => r.id),
        roles,
        createdAt: row.created_at,
      };
    });
  }

  /** Whether the user is already a member of the organization (an acceptance's re-check). */
  async isMember(db: Kysely<Database>, organizationId: string, userId: string): Promise<boolean> {
    const row = await db
      .selectFrom("memberships")
      .select("user_id")
      .where("organization_id", "=", organizationId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async setRoles(tenantId: string, actor: Actor, organizationId: string, userId: string, roleIds: string[]) {
    const unique = [...new Set(roleIds)];
    return this.db.transaction().execute(async (trx) => {
      const membership = await this.requireMembership(trx, tenantId, organizationId, userId);
      await this.roles.findAll(trx, tenantId, unique);
      await trx.deleteFrom("membership_roles").where("organization_id", "=", organizationId).where("user_id", "=", userId).execute();
      if (unique.length > 0) {
        await trx
          .insertInto("membership_roles")
          .values(unique.map((roleId) => ({ tenant_id: tenantId, organization_id: organizationId, user_id: userId, role_id: roleId })))
          .execute();
      }
      await this.events.record(trx, tenantId, actor, "member.roles_updated", { organizationId, userId, data: { roleIds: unique } });
      return { organizationId, userId, roleIds: unique, createdAt: membership.created_at };
    });
  }

  async remove(tenantId: string, actor: Actor, organizationId: string, userId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.requireMembership(trx, tenantId, organizationId, userId);
      await trx.deleteFrom("membership_roles").where("organization_id", "=", organizationId).where("user_id", "=", userId).execute();
      await trx.deleteFrom("memberships").where("organization_id", "=", organizationId).where("user_id", "=", userId).execute();
      await this.events.record(trx, tenantId, actor, "member.removed", { organizationId, userId });
    });
  }

  async requireOrganization(db: Kysely<Database>, tenantId: string, organizationId: string): Promise<void> {
    const org = await db
      .selectFrom("organizations")
      .select("id")
      .where("tenant_id", "=", tenantId)
      .where("id", "=", organizationId)
      .executeTakeFirst();
    if (!org) throw new AppError("organization_not_found", { detail: `organization ${organizationId} does not exist` });
  }

  /**
   * The membership, locked for the rest of the transaction on PostgreSQL: changes of one
   * membership's roles then run one after the other. Without the lock, two role replacements
   * at the same time each deleted the roles they saw and both inserted theirs, leaving the union.
   */
  private async requireMembership(db: Kysely<Database>, tenantId: string, organizationId: string, userId: string) {
    await this.requireOrganization(db, tenantId, organizationId);
    const query = db
      .selectFrom("memberships")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("organization_id", "=", organizationId)
      .where("user_id", "=", userId);
    const row = await (this.kind === "postgres" ? query.forUpdate() : query).executeTakeFirst();
    if (!row) throw new AppError("member_not_found", { detail: `user ${userId} is not a member` });
    return row;
  }
}

/** The organization's memberships, no more than `cap` of them: counts compare with the cap only. */
function membershipsUpTo(eb: ExpressionBuilder<Database, never>, tenantId: string, organizationId: string, cap: number) {
  return eb
    .selectFrom("memberships")
    .select("user_id")
    .where("tenant_id", "=", tenantId)
    .where("organization_id", "=", organizationId)
    .limit(cap)
    .as("m");
}
