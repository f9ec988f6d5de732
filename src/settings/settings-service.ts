import { AppError, validationError } from "../core/errors.js";
import type { Db } from "../db/database.js";
import { DroppableCache, type Invalidations } from "../db/invalidations.js";
import type { Actor, EventService } from "../events/event-service.js";
import { defaultSettings, parseSettings, type TenantSettings } from "./settings.js";

/** What `PATCH /v1/settings` accepts: any subset, nested objects merged. */
export interface SettingsPatch {
  invitationLifetime?: Partial<TenantSettings["invitationLifetime"]>;
  acceptUrl?: string | null;
  locale?: string;
  brandName?: string | null;
  limits?: Partial<TenantSettings["limits"]>;
  email?: Partial<TenantSettings["email"]>;
  templates?: TenantSettings["templates"];
}

/**
 * Tenant settings, read on every create, so they are cached per process for a few seconds; a
 * change is visible at once in this process and, on PostgreSQL, as soon as the others hear of
 * it (ADR 0013), otherwise within the TTL.
 */
export class SettingsService {
  private readonly cache: DroppableCache<TenantSettings>;
  private readonly preparers: Array<(next: TenantSettings, current: TenantSettings) => void> = [];

  constructor(
    private readonly db: Db,
    private readonly events: EventService,
    private readonly invalidations: Invalidations,
    ttlMs = 5_000,
    /** Extra checks (for example template rendering) run before a patch is saved. */
    private readonly validators: Array<(settings: TenantSettings) => void> = [],
  ) {
    this.cache = new DroppableCache(invalidations, "settings", ttlMs);
  }

  addValidator(validator: (settings: TenantSettings) => void): void {
    this.validators.push(validator);
  }

  /** Rewrites a merged patch before it is validated and saved (e.g. sealing a password). */
  addPreparer(prepare: (next: TenantSettings, current: TenantSettings) => void): void {
    this.preparers.push(prepare);
  }

  async get(tenantId: string): Promise<TenantSettings> {
    const settings = await this.cache.get(tenantId, async () => {
      const row = await this.db.selectFrom("tenants").select("settings").where("id", "=", tenantId).executeTakeFirst();
      return row ? parseSettings(row.settings) : defaultSettings();
    });
    return settings ?? defaultSettings();
  }

  /**
   * Applies a patch to the settings as stored (not as cached): the row is written only if it
   * still holds what the patch was merged into, and merged again otherwise, so that patches at
   * the same time, in this process or another, each keep the other's fields.
   */
  async update(tenantId: string, actor: Actor, patch: SettingsPatch): Promise<TenantSettings> {
    for (;;) {
      const row = await this.db.selectFrom("tenants").select("settings").where("id", "=", tenantId).executeTakeFirst();
      if (!row) throw new Error(`tenant ${tenantId} does not exist`);
      const next = this.merge(parseSettings(row.settings), patch);
      const written = await this.db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("tenants")
          .set({ settings: JSON.stringify(next) })
          .where("id", "=", tenantId)
          .where("settings", "=", row.settings)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await this.events.record(trx, tenantId, actor, "settings.updated", {
          data: { fields: Object.keys(patch).sort() },
        });
        await this.invalidations.announce(trx, "settings", [tenantId]);
        return true;
      });
      if (written) {
        this.invalidations.dropHere("settings", [tenantId]);
        this.cache.set(tenantId, next);
        return next;
      }
    }
  }

  /** The settings with the patch applied, prepared and validated. */
  private merge(current: TenantSettings, patch: SettingsPatch): TenantSettings {
    const next: TenantSettings = {
      ...current,
      ...(patch.acceptUrl !== undefined && { acceptUrl: patch.acceptUrl }),
      ...(patch.locale !== undefined && { locale: patch.locale }),
      ...(patch.brandName !== undefined && { brandName: patch.brandName }),
      invitationLifetime: { ...current.invitationLifetime, ...patch.invitationLifetime },
      limits: { ...current.limits, ...patch.limits },
      email: { ...current.email, ...patch.email },
      templates: patch.templates !== undefined ? { ...current.templates, ...patch.templates } : current.templates,
    };
    for (const [key, value] of Object.entries(next.templates)) {
      if (value === null) delete next.templates[key];
    }
    for (const prepare of this.preparers) prepare(next, current);
    validateSettings(next);
    for (const validate of this.validators) validate(next);
    return next;
  }
}

function validateSettings(settings: TenantSettings): void {
  const { defaultSeconds, maxSeconds } = settings.invitationLifetime;
  if (defaultSeconds > maxSeconds) {
    throw validationError("/invitationLifetime/defaultSeconds", "must not be greater than maxSeconds");
  }
  if (settings.acceptUrl !== null && !isHttpUrl(settings.acceptUrl)) {
    throw validationError("/acceptUrl", "must be an http or https URL");
  }
  if (settings.email.smtpUrl !== null && !/^smtps?:$/.test(safeProtocol(settings.email.smtpUrl))) {
    throw validationError("/email/smtpUrl", "must be an smtp:// or smtps:// URL");
  }
  if (!isLocale(settings.locale)) throw validationError("/locale", "must be a language tag such as en or zh-CN");
}

export function isHttpUrl(value: string): boolean {
  const protocol = safeProtocol(value);
  return protocol === "http:" || protocol === "https:";
}

function safeProtocol(value: string): string {
  try {
    return new URL(value).protocol;
  } catch {
    return "";
  }
}

export function isLocale(value: string): boolean {
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(value) && value.length <= 35;
}

export { AppError };
