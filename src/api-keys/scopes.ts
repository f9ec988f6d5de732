export const SCOPES = [
  "invitations:read",
  "invitations:write",
  "organizations:read",
  "organizations:write",
  "users:read",
  "users:write",
  "roles:read",
  "roles:write",
  "events:read",
  "settings:write",
  "keys:write",
  "admin",
  "platform",
] as const;

export type Scope = (typeof SCOPES)[number];

/** `admin` holds every scope of its tenant; `platform` (tenants) is separate and explicit. */
export function hasScope(granted: readonly string[], needed: Scope): boolean {
  if (granted.includes(needed)) return true;
  return needed !== "platform" && granted.includes("admin");
}
