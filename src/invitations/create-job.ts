import { AppError, type ErrorCode } from "../core/errors.js";
import type { CaptureTarget } from "../email/captured-mail.js";
import type { Actor } from "../events/event-service.js";
import type { TenantSettings } from "../settings/settings.js";
import type { Invitation } from "./invitation.js";

export interface CreateInvitationsInput {
  organizationId: string;
  emails: string[];
  roleIds?: string[];
  inviterUserId?: string | null;
  /** Lifetime in seconds; or an absolute `expiresAt` in epoch milliseconds. */
  expiresIn?: number;
  expiresAt?: number;
  redirectUrl?: string | null;
  acceptUrl?: string | null;
  locale?: string | null;
  metadata?: Record<string, unknown> | null;
  extras?: Record<string, unknown> | null;
  sendEmail?: boolean;
}

export interface CreateOptions {
  /** All or nothing (default), or per-email results. */
  atomic?: boolean;
  /** What a pending, unexpired invitation for the same email means: an error, or a refresh. */
  onPending?: "conflict" | "refresh";
  /** Builds the JSON pointer of the i-th email in the caller's request, for error paths. */
  emailPath?: (index: number) => string;
}

export interface CreateItemResult {
  index: number;
  email: string;
  invitation?: Invitation;
  /** True when an existing pending invitation was refreshed instead of created. */
  refreshed?: boolean;
  error?: AppError;
}

/** The fields every email of one request shares, validated. */
export interface CommonFields {
  expiresAt: number;
  roleIds: string[];
  /** A refresh replaces the roles only when the request names them. */
  rolesGiven: boolean;
  inviterUserId: string | null;
  redirectUrl: string | null;
  acceptUrl: string | null;
  locale: string | null;
  sendEmail: boolean;
}

/**
 * One create request on its way to the database: one organization, its validated emails
 * (`candidates`), and what the write found. A job is written alone or in a group with others
 * (ADR 0007); `begin()` readies it for an attempt, so a group that failed can be retried.
 */
export class CreateJob {
  /** The job's own failure, when it was written in a group (a job written alone throws it). */
  failure: AppError | undefined;
  /** Per-recipient sends counted by the current attempt, given back if it does not commit. */
  consumedSends: string[] = [];
  emailsQueued = false;

  constructor(
    readonly tenantId: string,
    readonly actor: Actor,
    readonly input: CreateInvitationsInput,
    readonly common: CommonFields,
    readonly settings: TenantSettings,
    readonly candidates: CreateItemResult[],
    readonly now: number,
    readonly options: { atomic: boolean; onPending: "conflict" | "refresh"; emailPath: (index: number) => string },
    /** Where the tenant's mail is captured, when it is and the job sends email (ADR 0054). */
    readonly capture?: CaptureTarget,
  ) {}

  get organizationId(): string {
    return this.input.organizationId;
  }

  begin(): void {
    this.failure = undefined;
    this.consumedSends = [];
    this.emailsQueued = false;
    for (const item of this.candidates) {
      item.error = undefined;
      item.invitation = undefined;
      item.refreshed = undefined;
    }
  }

  itemError(item: CreateItemResult, code: ErrorCode, message: string): void {
    item.error = itemError(code, this.options.emailPath(item.index), message);
  }
}

export function itemError(code: ErrorCode, path: string, message: string): AppError {
  return new AppError(code, { detail: message, errors: [{ path, message, code }] });
}

/** The first failure's code, with every failure listed in `errors`; undefined when none failed. */
export function failureOf(results: readonly CreateItemResult[]): AppError | undefined {
  const failed = results.filter((r) => r.error);
  const first = failed[0]?.error;
  if (!first || failed.length === 1) return first;
  return new AppError(first.code, {
    detail: `${failed.length} emails were refused; nothing was created`,
    errors: failed.flatMap((r) => r.error?.errors ?? []),
    retryAfter: first.retryAfter,
    limit: first.limit,
  });
}
