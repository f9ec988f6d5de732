import type { Clock } from "../core/clock.js";
import type { SecretBox } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import type { Db } from "../db/database.js";
import type { InvitationStatus } from "../db/schema.js";
import type { Actor, EventService } from "../events/event-service.js";
import type { SettingsService } from "../settings/settings-service.js";
import { type Invitation, toInvitation } from "./invitation.js";
import type { InvitationService } from "./invitation-service.js";

export interface InvitationTokenDeps {
  db: Db;
  clock: Clock;
  box: SecretBox;
  events: EventService;
  settings: SettingsService;
  invitations: InvitationService;
}

export interface DeleteByTokensOptions {
  /** Only invitations in these stored statuses count as found; any other is unknown. */
  statuses?: InvitationStatus[];
  /** Builds the JSON pointer of the i-th token in the caller's request, for error paths. */
  tokenPath?: (index: number) => string;
}

/**
 * Invitations addressed by their token instead of their id, for API callers (with a key) in
 * dialects where the token is the invitation's identifier (ADR 0031). Tokens are looked up by
 * their keyed hash and always within one tenant.
 */
export class InvitationTokenService {
  constructor(private readonly deps: InvitationTokenDeps) {}

  /**
   * Deletes every invitation of the organization named by `tokens` in one transaction, or none:
   * one unknown token fails the whole request and lists every unknown position.
   */
  async deleteByTokens(
    tenantId: string,
    actor: Actor,
    organizationId: string,
    tokens: readonly string[],
    options: DeleteByTokensOptions = {},
  ): Promise<number> {
    const tokenPath = options.tokenPath ?? ((i: number) => `/${i}`);
    const hashes = tokens.map((token) => this.deps.box.lookupHash(token));
    if (hashes.length === 0) return 0;
    return this.deps.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom("invitations")
        .select(["id", "token_hash"])
        .where("tenant_id", "=", tenantId)
        .where("organization_id", "=", organizationId)
        .where("token_hash", "in", [...new Set(hashes)]);
      if (options.statuses) query = query.where("status", "in", options.statuses);
      const rows = await query.execute();
      const known = new Set(rows.map((r) => r.token_hash));
      const unknown = hashes.flatMap((hash, index) => (known.has(hash) ? [] : [index]));
      if (unknown.length > 0) throw notFound(unknown.map(tokenPath));

      const ids = rows.map((r) => r.id);
      let remove = trx.deleteFrom("invitations").where("tenant_id", "=", tenantId).where("id", "in", ids);
      if (options.statuses) remove = remove.where("status", "in", options.statuses);
      const deleted = await remove.returning("id").execute();
      // Someone changed or removed one of them since the read: all or nothing still holds.
      if (deleted.length !== ids.length) throw notFound([]);
      await this.deps.events.recordMany(
        trx,
        tenantId,
        actor,
        "invitation.deleted",
        ids.map((invitationId) => ({ organizationId, invitationId })),
      );
      return deleted.length;
    });
  }

  /**
   * The organization's open invitations (pending, or expired and never accepted), the latest
   * per email only: an expired invitation that was renewed is replaced by its successor.
   * Newest first, at most `limit`.
   */
  async listLatestOpen(tenantId: string, organizationId: string, limit: number): Promise<Invitation[]> {
    const rows = await this.deps.db
      .selectFrom("invitations as i")
      .selectAll("i")
      .where("i.tenant_id", "=", tenantId)
      .where("i.organization_id", "=", organizationId)
      .where("i.status", "in", ["pending", "expired"])
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("invitations as n")
              .select("n.id")
              .whereRef("n.tenant_id", "=", "i.tenant_id")
              .whereRef("n.email", "=", "i.email")
              .whereRef("n.organization_id", "=", "i.organization_id")
              .where((eb) =>
                eb.or([
                  eb("n.created_at", ">", eb.ref("i.created_at")),
                  eb.and([eb("n.created_at", "=", eb.ref("i.created_at")), eb("n.id", ">", eb.ref("i.id"))]),
                ]),
              ),
          ),
        ),
      )
      .orderBy("i.created_at", "desc")
      .orderBy("i.id", "desc")
      .limit(limit)
      .execute();
    const view = this.deps.invitations.viewContext(await this.deps.settings.get(tenantId), this.deps.clock.now());
    return rows.map((row) => toInvitation(row, view));
  }
}

function notFound(paths: string[]): AppError {
  return new AppError("invitation_not_found", {
    detail: paths.length > 0 ? `${paths.length} of the tokens match no invitation; nothing was deleted` : "nothing was deleted",
    errors: paths.map((path) => ({ path, message: "matches no invitation", code: "invitation_not_found" as const })),
  });
}
