import type { Clock } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import type { IdGenerator } from "../core/ids.js";
import { type Page, toPage } from "../core/pagination.js";
import type { Db } from "../db/database.js";
import { newestFirst } from "../db/lists.js";
import type { OrganizationRow } from "../db/schema.js";
import type { Actor, EventService } from "../events/event-service.js";

export interface Organization {
  id: string;
  name: string;
  description: string | null;
  createdAt: number;
  updatedAt: number;
}

export class OrganizationService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
    private readonly events: EventService,
  ) {}

  async create(tenantId: string, actor: Actor, input: { name: string; description?: string | null }) {
    const now = this.clock.now();
    const row: OrganizationRow = {
      id: this.newId("org"),
      tenant_id: tenantId,
      name: input.name,
      description: input.description ?? null,
      created_at: now,
      updated_at: now,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto("organizations").values(row).execute();
      await this.events.record(trx, tenantId, actor, "organization.created", {
        organizationId: row.id,
        data: { name: row.name },
      });
    });
    return toOrganization(row);
  }

  async get(tenantId: string, id: string): Promise<Organization> {
    const row = await this.db
      .selectFrom("organizations")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw new AppError("organization_not_found", { detail: `organization ${id} does not exist` });
    return toOrganization(row);
  }

  async list(tenantId: string, options: { limit: number; cursor?: string; name?: string }): Promise<Page<Organization>> {
    let query = this.db.selectFrom("organizations").selectAll().where("tenant_id", "=", tenantId);
    if (options.name) query = query.where("name", "=", options.name);
    const rows = await newestFirst(query, options.cursor, options.limit + 1).execute();
    return toPage(rows, options.limit, toOrganization);
  }

  async update(tenantId: string, actor: Actor, id: string, patch: { name?: string; description?: string | null }) {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable("organizations")
        .set({
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.description !== undefined && { description: patch.description }),
          updated_at: this.clock.now(),
        })
        .where("tenant_id", "=", tenantId)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new AppError("organization_not_found", { detail: `organization ${id} does not exist` });
      await this.events.record(trx, tenantId, actor, "organization.updated", {
        organizationId: id,
        data: { fields: Object.keys(patch).sort() },
      });
      return toOrganization(row);
    });
  }

  /** Deleting an organization removes its memberships and invitations with it. */
  async delete(tenantId: string, actor: Actor, id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom("organizations").where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new AppError("organization_not_found", { detail: `organization ${id} does not exist` });
      }
      await this.events.record(trx, tenantId, actor, "organization.deleted", { organizationId: id });
    });
  }
}

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
