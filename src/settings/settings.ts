import { type Static, Type } from "@sinclair/typebox";

export const LimitsSchema = Type.Object(
  {
    invitationsPerOrganizationPerHour: Type.Integer({ minimum: 0 }),
    pendingPerOrganization: Type.Integer({ minimum: 0 }),
    membersPerOrganization: Type.Integer({ minimum: 0 }),
    requestsPerKeyPerMinute: Type.Integer({ minimum: 0 }),
    failedTokenAttemptsPerAddressPerMinute: Type.Integer({ minimum: 0 }),
    sendsPerRecipientPer10Minutes: Type.Integer({ minimum: 0 }),
    /** Pending invitations count toward `membersPerOrganization` when invitations are created (ADR 0024). */
    membersIncludePending: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const LifetimeSchema = Type.Object(
  {
    defaultSeconds: Type.Integer({ minimum: 60 }),
    maxSeconds: Type.Integer({ minimum: 60 }),
  },
  { additionalProperties: false },
);

/** Stored email settings; the SMTP URL may hold a password and is never returned as is. */
export const StoredEmailSchema = Type.Object(
  {
    smtpUrl: Type.Union([Type.String(), Type.Null()]),
    from: Type.Union([Type.String(), Type.Null()]),
    captureIsSender: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const StoredSettingsSchema = Type.Object({
  invitationLifetime: LifetimeSchema,
  acceptUrl: Type.Union([Type.String(), Type.Null()]),
  locale: Type.String(),
  brandName: Type.Union([Type.String(), Type.Null()]),
  limits: LimitsSchema,
  email: StoredEmailSchema,
  templates: Type.Record(Type.String(), Type.Unknown()),
});

export type TenantSettings = Static<typeof StoredSettingsSchema>;
export type Limits = Static<typeof LimitsSchema>;

export const DAY_SECONDS = 86_400;

export function defaultSettings(): TenantSettings {
  return {
    invitationLifetime: { defaultSeconds: 7 * DAY_SECONDS, maxSeconds: 30 * DAY_SECONDS },
    acceptUrl: null,
    locale: "en",
    brandName: null,
    limits: {
      invitationsPerOrganizationPerHour: 10_000,
      pendingPerOrganization: 10_000,
      membersPerOrganization: 100_000,
      requestsPerKeyPerMinute: 0,
      failedTokenAttemptsPerAddressPerMinute: 30,
      sendsPerRecipientPer10Minutes: 10,
      membersIncludePending: false,
    },
    email: { smtpUrl: null, from: null, captureIsSender: false },
    templates: {},
  };
}

/** Reads stored settings, filling fields added after the row was written with defaults. */
export function parseSettings(text: string): TenantSettings {
  const stored = JSON.parse(text) as Partial<TenantSettings>;
  const defaults = defaultSettings();
  return {
    ...defaults,
    ...stored,
    invitationLifetime: { ...defaults.invitationLifetime, ...stored.invitationLifetime },
    limits: { ...defaults.limits, ...stored.limits },
    email: { ...defaults.email, ...stored.email },
    templates: { ...stored.templates },
  };
}

/** Removes the password from an SMTP URL so it can be shown. */
export function redactSmtpUrl(url: string | null): string | null {
  if (!url) return url;
  try {
    const parsed = new URL(url);
    parsed.password = "";
    return parsed.toString();
  } catch {
    return null;
  }
}
