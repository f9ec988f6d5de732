import type { ApiKeyService, CreatedApiKey } from "../api-keys/api-key-service.js";
import type { Scope } from "../api-keys/scopes.js";
import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import type { Db } from "../db/database.js";
import type { Actor, EventService } from "../events/event-service.js";
import { defaultSettings } from "../settings/settings.js";

export interface Tenant {
  id: string;
  name: string;
  createdAt: number;
}

export interface BootstrapResult {
  tenant: Tenant;
  /** Present only when the key was generated here and must be shown to the operator. */
  printedKey: string | null;
}

export class TenantService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly newId: IdGenerator,
    private readonly keys: ApiKeyService,
    private readonly events: EventService,
  ) {}

  /** Creates a tenant with its first admin key, in one transaction. */
  async create(
    actor: Actor,
    input: { name: string },
    key: { scopes?: Scope[]; id?: string; secret?: string } = {},
  ): Promise<{ tenant: Tenant; apiKey: CreatedApiKey }> {
    const tenant: Tenant = { id: this.newId("ten"), name: input.name, createdAt: this.clock.now() };
    return this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("tenants")
        .values({
          id: tenant.id,
          name: tenant.name,
          settings: JSON.stringify(defaultSettings()),
          created_at: tenant.createdAt,
        })
        .execute();
      const apiKey = await this.keys.create(trx, tenant.id, actor, { name: "admin", ...key });
      await this.events.record(trx, tenant.id, actor, "tenant.created", { data: { name: tenant.name } });
      return { tenant, apiKey };
    });
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.db.selectFrom("tenants").selectAll().orderBy("created_at", "desc").execute();
    return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
  }

  /**
   * On an empty database: a default tenant and an admin key with every scope. With
   * `USHER_BOOTSTRAP_KEY=<key id>.<secret>` that exact key is created instead.
   */
  async bootstrap(actor: Actor, bootstrapKey: string | undefined): Promise<BootstrapResult | null> {
    const existing = await this.db.selectFrom("tenants").select("id").limit(1).executeTakeFirst();
    if (existing) return null;
    let id: string | undefined;
    let secret: string | undefined;
    if (bootstrapKey) {
      const dot = bootstrapKey.indexOf(".");
      id = bootstrapKey.slice(0, dot);
      secret = bootstrapKey.slice(dot + 1);
      if (dot < 1 || !/^key_[A-Za-z0-9]{1,17}$/.test(id) || secret.length < 16) {
        throw new Error("USHER_BOOTSTRAP_KEY must look like key_<1-17 letters or digits>.<secret of 16+ characters>");
      }
    }
    const { tenant, apiKey } = await this.create(actor, { name: "default" }, { scopes: ["admin", "platform"], id, secret });
    return { tenant, printedKey: bootstrapKey ? null : apiKey.key };
  }
}
