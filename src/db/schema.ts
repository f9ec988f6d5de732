import type { Insertable, Selectable } from "kysely";

/** Times are epoch milliseconds in every table; JSON is stored as text in both databases. */
export interface Database {
  tenants: TenantTable;
  api_keys: ApiKeyTable;
  organizations: OrganizationTable;
  roles: RoleTable;
  users: UserTable;
  memberships: MembershipTable;
  membership_roles: MembershipRoleTable;
  invitations: InvitationTable;
  events: EventTable;
  outbox: OutboxTable;
  mailbox: MailboxTable;
  idempotency_keys: IdempotencyKeyTable;
  server_secret: ServerSecretTable;
}

export interface TenantTable {
  id: string;
  name: string;
  settings: string;
  created_at: number;
}

export interface ApiKeyTable {
  id: string;
  tenant_id: string;
  name: string;
  secret_hash: string;
  scopes: string;
  user_id: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface OrganizationTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export interface RoleTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  created_at: number;
}

export interface UserTable {
  id: string;
  tenant_id: string;
  email: string;
  name: string | null;
  created_at: number;
}

export interface MembershipTable {
  tenant_id: string;
  organization_id: string;
  user_id: string;
  created_at: number;
}

export interface MembershipRoleTable {
  tenant_id: string;
  organization_id: string;
  user_id: string;
  role_id: string;
}

export type InvitationStatus = "pending" | "accepted" | "declined" | "revoked" | "expired";
export type DeliveryStatus = "queued" | "sent" | "failed";

export interface InvitationTable {
  id: string;
  tenant_id: string;
  organization_id: string;
  email: string;
  email_display: string;
  inviter_user_id: string | null;
  role_ids: string;
  status: InvitationStatus;
  expires_at: number;
  created_at: number;
  updated_at: number;
  accepted_at: number | null;
  accepted_user_id: string | null;
  revoked_at: number | null;
  declined_at: number | null;
  redirect_url: string | null;
  accept_url: string | null;
  locale: string | null;
  metadata: string | null;
  extras: string | null;
  token_hash: string;
  token_cipher: string;
  send_count: number;
  last_sent_at: number | null;
  delivery_status: DeliveryStatus | null;
  delivery_attempts: number;
  delivery_error: string | null;
}

export interface EventTable {
  id: string;
  tenant_id: string;
  type: string;
  actor_type: string;
  actor_id: string | null;
  organization_id: string | null;
  invitation_id: string | null;
  user_id: string | null;
  data: string | null;
  created_at: number;
}

export type OutboxStatus = "queued" | "sending" | "sent" | "dead";

export interface OutboxTable {
  id: string;
  tenant_id: string;
  kind: string;
  invitation_id: string | null;
  payload: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  locked_until: number | null;
  last_error: string | null;
  message_id: string;
  created_at: number;
  sent_at: number | null;
}

export interface MailboxTable {
  id: string;
  tenant_id: string;
  outbox_id: string | null;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: string;
  created_at: number;
}

export interface IdempotencyKeyTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  status_code: number;
  body: string;
  created_at: number;
}

export type InvitationRow = Selectable<InvitationTable>;
export type NewInvitation = Insertable<InvitationTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
export type OrganizationRow = Selectable<OrganizationTable>;
export type RoleRow = Selectable<RoleTable>;
export type UserRow = Selectable<UserTable>;
export type EventRow = Selectable<EventTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type MailboxRow = Selectable<MailboxTable>;
export type TenantRow = Selectable<TenantTable>;

export interface ServerSecretTable {
  id: number;
  fingerprint: string;
  recorded_at: number;
}
