import pino, { type Logger } from "pino";
import { ApiKeyService } from "./api-keys/api-key-service.js";
import type { Config } from "./config.js";
import { type Clock, systemClock } from "./core/clock.js";
import { SecretBox } from "./core/crypto.js";
import { type IdGenerator, newId } from "./core/ids.js";
import { type LimitStore, MemoryLimitStore } from "./core/limiter.js";
import { type DatabaseHandle, openDatabase, sqliteFile } from "./db/database.js";
import { Invalidations } from "./db/invalidations.js";
import { migrateToLatest } from "./db/migrate.js";
import { checkServerSecret } from "./db/server-secret.js";
import { CaptureTransport } from "./email/capture-transport.js";
import { CapturedMail } from "./email/captured-mail.js";
import { DeliveryWorker, type DeliveryWorkerOptions } from "./email/delivery-worker.js";
import { prepareEmailSettings, validateEmailSettings } from "./email/email-settings.js";
import { MailboxService } from "./email/mailbox-service.js";
import { Outbox } from "./email/outbox.js";
import type { MailTransport } from "./email/transport.js";
import { TransportRegistry } from "./email/transport-registry.js";
import { EventService } from "./events/event-service.js";
import { invitationDocument } from "./http/native/schemas.js";
import { IdempotencyService } from "./idempotency/idempotency-service.js";
import { InvitationService } from "./invitations/invitation-service.js";
import { InvitationTokenService } from "./invitations/invitation-token-service.js";
import { LifecycleService } from "./invitations/lifecycle-service.js";
import { ListThreads } from "./invitations/list-threads.js";
import { LimitGuard } from "./limits/limit-guard.js";
import type { RedisLimitStore } from "./limits/redis-limit-store.js";
import { loggerOptions } from "./logging.js";
import { MemberService } from "./members/member-service.js";
import { OrganizationService } from "./organizations/organization-service.js";
import { RoleService } from "./roles/role-service.js";
import { SettingsService } from "./settings/settings-service.js";
import { TenantService } from "./tenants/tenant-service.js";
import { UserService } from "./users/user-service.js";

export interface Overrides {
  clock?: Clock;
  newId?: IdGenerator;
  limitStore?: LimitStore;
  /** Key prefix of the Redis counters (tests give each suite its own). */
  redisPrefix?: string;
  log?: Logger;
  database?: DatabaseHandle;
  /** Replaces SMTP/capture selection (tests of delivery failures). */
  transportFor?: (tenantId: string) => Promise<MailTransport>;
  worker?: DeliveryWorkerOptions;
}

/**
 * The composition root: database, then services, wired explicitly. Nothing in Usher imports a
 * singleton; tests build their own with overrides.
 */
export async function createUsher(config: Config, overrides: Overrides = {}) {
  const log = overrides.log ?? pino(loggerOptions(config.logLevel));
  const database =
    overrides.database ??
    openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      listConnections: config.listConnections,
      // The reason only: the driver hangs the whole connection on the error (its state and
      // the text of every statement it prepared), which a log line has no use for.
      onConnectionError: (error) =>
        log.warn({ reason: error.message, code: (error as { code?: unknown }).code }, "a database connection was closed"),
    });
  await migrateToLatest(database.db, database.kind);
  const { db } = database;
  const clock = overrides.clock ?? systemClock;
  const ids = overrides.newId ?? newId;
  const box = new SecretBox(config.secret);
  const invalidations = new Invalidations({
    kind: database.kind,
    databaseUrl: config.databaseUrl,
    onLost: (error) => log.warn({ reason: error.message }, "cache invalidations are not heard; caches fall back to their lifetimes"),
  });
  let sharedCounters: RedisLimitStore | undefined;
  try {
    await checkServerSecret(db, box.fingerprint, clock.now());
    if (!overrides.limitStore && config.redisUrl) {
      // The Redis client is loaded only when it is used: it costs a process without it memory.
      const { RedisLimitStore } = await import("./limits/redis-limit-store.js");
      sharedCounters = new RedisLimitStore({
        url: config.redisUrl,
        now: () => clock.now(),
        prefix: overrides.redisPrefix,
        onUnreachable: (error) => log.warn({ reason: error.message }, "the Redis counters are out of reach; limited requests answer 503"),
      });
      await sharedCounters.connect();
    }
    await invalidations.start();
  } catch (error) {
    await sharedCounters?.close();
    if (!overrides.database) await database.close();
    throw error;
  }
  const limits = new LimitGuard(overrides.limitStore ?? sharedCounters ?? new MemoryLimitStore(() => clock.now()));
  const events = new EventService(db, clock, ids, database.kind);
  const settings = new SettingsService(db, events, invalidations);
  const apiKeys = new ApiKeyService(db, clock, ids, events, invalidations);
  const tenants = new TenantService(db, clock, ids, apiKeys, events);
  const organizations = new OrganizationService(db, clock, ids, events);
  const roles = new RoleService(db, clock, ids, events);
  const users = new UserService(db, database.kind, clock, ids, events, invalidations);
  const members = new MemberService(db, database.kind, clock, roles, events);
  const outbox = new Outbox(clock, ids, database.kind, new URL(config.publicUrl).hostname);
  const capture = new CaptureTransport(db, database.kind, clock, ids);
  const transports = new TransportRegistry({ settings, box, capture, serverSmtpUrl: config.smtpUrl, publicUrl: config.publicUrl });
  settings.addPreparer(prepareEmailSettings(box));
  settings.addValidator(validateEmailSettings);
  const transportFor = overrides.transportFor ?? ((tenantId: string) => transports.transportFor(tenantId));
  const fromFor = (tenantId: string) => transports.senderFor(tenantId);
  const captured = new CapturedMail({ transportFor, fromFor, outbox, box, publicUrl: config.publicUrl });
  const listThreads =
    database.kind === "sqlite" && config.listThreads > 0
      ? new ListThreads({
          count: config.listThreads,
          file: sqliteFile(config.dataDir),
          secret: config.secret,
          layout: invitationDocument,
          log,
        })
      : undefined;
  const invitations = new InvitationService({
    db,
    kind: database.kind,
    clock,
    newId: ids,
    box,
    events,
    settings,
    outbox,
    captured,
    limits,
    members,
    publicUrl: config.publicUrl,
    listThreads,
    rowsAsTheyArrive: database.pool,
    listReads: database.listReads,
  });
  const lifecycle = new LifecycleService({
    db,
    kind: database.kind,
    clock,
    box,
    events,
    settings,
    outbox,
    limits,
    users,
    members,
    invitations,
    roles,
  });
  const invitationTokens = new InvitationTokenService({ db, clock, box, events, settings, invitations });
  const idempotency = new IdempotencyService(db, clock, box);
  const mailbox = new MailboxService(db);

  const worker = new DeliveryWorker(
    { db, kind: database.kind, clock, box, outbox, events, settings, transportFor, fromFor, publicUrl: config.publicUrl, log },
    overrides.worker,
  );

  return {
    config,
    log,
    database,
    db,
    clock,
    box,
    limits,
    /** The Redis counters when `REDIS_URL` is set (readiness asks them too). */
    sharedCounters,
    invalidations,
    events,
    settings,
    apiKeys,
    tenants,
    organizations,
    roles,
    users,
    members,
    outbox,
    invitations,
    lifecycle,
    invitationTokens,
    idempotency,
    mailbox,
    worker,
    listThreads,
    async close(): Promise<void> {
      await worker.stop();
      await listThreads?.close();
      await transports.close();
      await sharedCounters?.close();
      await invalidations.close();
      await database.close();
    },
  };
}

export type Usher = Awaited<ReturnType<typeof createUsher>>;
