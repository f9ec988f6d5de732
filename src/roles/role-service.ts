import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import type { IdGenerator } from "../core/ids.js";
import type { Db } from "../db/database.js";
import { isUniqueViolation } from "../db/errors.js";
import type { Database, RoleRow } from "../db/schema.js";
import type { Actor, EventService } from "../events/event-service.js";

export interface Role {
  id: string;
  name: string;
  description: string | null;
  createdAt: number;
}

export class RoleService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
    private readonly events: EventService,
  ) {}

  async create(tenantId: string, actor: Actor, input: { name: string; description?: string | null }): Promise<Role> {
    const row: RoleRow = {
      id: this.newId("role"),
      tenant_id: tenantId,
      name: input.name,
      description: input.description ?? null,
      created_at: this.clock.now(),
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto("roles").values(row).execute();
        await this.events.record(trx, tenantId, actor, "role.created", { data: { roleId: row.id, name: row.name } });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError("role_already_exists", { detail: `a role named "${input.name}" already exists` });
      }
      throw error;
    }
    return toRole(row);
  }

  async get(tenantId: string, id: string): Promise<Role> {
    const row = await this.db.selectFrom("roles").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
    if (!row) throw new AppError("role_not_found", { detail: `role ${id} does not exist` });
    return toRole(row);
  }

  async list(tenantId: string): Promise<Role[]> {
    const rows = await this.db
      .selectFrom("roles")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
    return rows.map(toRole);
  }

  /** Roles by id, in one query; throws role_not_found naming every unknown id. */
  async findAll(db: Kysely<Database>, tenantId: string, ids: readonly string[]): Promise<Role[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom("roles")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "in", [...ids])
      .execute();
    if (rows.length !== new Set(ids).size) {
      const found = new Set(rows.map((r) => r.id));
      const missing = ids.filter((id) => !found.has(id));
      throw new AppError("role_not_found", {
        detail: `unknown role ${missing.join(", ")}`,
        errors: missing.map((id) => ({ path: `/roleIds/${ids.indexOf(id)}`, message: `role ${id} does not exist` })),
      });
    }
    return rows.map(toRole);
  }

  /** Memberships lose a deleted role; pending invitations skip it at acceptance. */
  async delete(tenantId: string, actor: Actor, id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom("roles").where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new AppError("role_not_found", { detail: `role ${id} does not exist` });
      await this.events.record(trx, tenantId, actor, "role.deleted", { data: { roleId: id } });
    });
  }
}

export function toRole(row: RoleRow): Role {
  return { id: row.id, name: row.name, description: row.description, createdAt: row.created_at };
}
