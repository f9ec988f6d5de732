import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import { type Page, toPage } from "../core/pagination.js";
import { type InsertSpec, insertRows } from "../db/bulk.js";
import type { DatabaseKind, Db } from "../db/database.js";
import { newestFirst } from "../db/lists.js";
import type { Database, EventRow } from "../db/schema.js";

/** Who caused a change: an API key, the invitee holding a token, or Usher itself. */
export interface Actor {
  type: "api_key" | "invitee" | "system";
  id: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: "system", id: null };

export interface EventSubjects {
  organizationId?: string | null;
  invitationId?: string | null;
  userId?: string | null;
  data?: Record<string, unknown>;
}

export interface UsherEvent {
  id: string;
  type: string;
  actor: Actor;
  organizationId: string | null;
  invitationId: string | null;
  userId: string | null;
  data: Record<string, unknown>;
  createdAt: number;
}

/** One event of a bulk write: its own tenant, actor and type. */
export interface NewEvent extends EventSubjects {
  tenantId: string;
  actor: Actor;
  type: string;
}

const EVENT_INSERT: InsertSpec = {
  table: "events",
  columns: ["id", "tenant_id", "type", "actor_type", "actor_id", "organization_id", "invitation_id", "user_id", "data", "created_at"],
};

export interface EventFilter {
  type?: string;
  organizationId?: string;
  invitationId?: string;
  limit: number;
  cursor?: string;
}

/** The audit trail. Events are written in the transaction of the change they describe. */
export class EventService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
    private readonly kind: DatabaseKind,
  ) {}

  async record(trx: Kysely<Database>, tenantId: string, actor: Actor, type: string, subjects: EventSubjects = {}) {
    await this.recordAll(trx, [{ tenantId, actor, type, ...subjects }]);
  }

  /** One insert for many events (batch creates). */
  async recordMany(trx: Kysely<Database>, tenantId: string, actor: Actor, type: string, items: EventSubjects[]) {
    await this.recordAll(
      trx,
      items.map((subjects) => ({ tenantId, actor, type, ...subjects })),
    );
  }

  /** Events of several tenants, actors and types in as few statements as the engine allows. */
  async recordAll(trx: Kysely<Database>, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = this.clock.now();
    const rows = events.map((e) => [
      this.newId("evt"),
      e.tenantId,
      e.type,
      e.actor.type,
      e.actor.id,
      e.organizationId ?? null,
      e.invitationId ?? null,
      e.userId ?? null,
      e.data ? JSON.stringify(e.data) : null,
      now,
    ]);
    await insertRows(trx, this.kind, EVENT_INSERT, rows);
  }

  async list(tenantId: string, filter: EventFilter): Promise<Page<UsherEvent>> {
    let query = this.db.selectFrom("events").selectAll().where("tenant_id", "=", tenantId);
    if (filter.type) query = query.where("type", "=", filter.type);
    if (filter.organizationId) query = query.where("organization_id", "=", filter.organizationId);
    if (filter.invitationId) query = query.where("invitation_id", "=", filter.invitationId);
    const rows = await newestFirst(query, filter.cursor, filter.limit + 1).execute();
    return toPage(rows, filter.limit, toEvent);
  }
}

function toEvent(row: EventRow): UsherEvent {
  return {
    id: row.id,
    type: row.type,
    actor: { type: row.actor_type as Actor["type"], id: row.actor_id },
    organizationId: row.organization_id,
    invitationId: row.invitation_id,
    userId: row.user_id,
    data: row.data ? (JSON.parse(row.data) as Record<string, unknown>) : {},
    createdAt: row.created_at,
  };
}
