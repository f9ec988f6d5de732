import type { FastifyInstance } from "fastify";
import { expect } from "vitest";
import type { ManualClock } from "../../src/core/clock.js";
import type { Answer, Client, TestContext } from "../helpers/harness.js";

/** Everything a dialect adapter needs from the running service. */
export interface Env {
  ctx: TestContext;
  app: FastifyInstance;
  clock: ManualClock;
  /** The native API with the tenant's admin key. */
  admin: Client;
  /** The tenant's admin key (`<key id>.<secret>`), which every dialect accepts in its own scheme. */
  adminKey: string;
  /** A key of the tenant with `invitations:read` only. */
  readOnlyKey: string;
  /** A second tenant: its organization, a role and an invitation, made with its own admin key. */
  other: { admin: Client; organizationId: string; roleId: string; invitation: { id: string; acceptUrl: string } };
}

/** Whose credentials a request carries. */
export type Auth = "admin" | "none" | "wrong" | "readOnly";

/** A key id that exists nowhere and a secret of the usual length. */
export const WRONG_KEY = "key_nobodyhere0000.wrong-secret-wrong-secret-wrong-00";

/** An error as every dialect can be compared: its HTTP status and its own machine code. */
export interface Failure {
  status: number;
  code: string;
}

/** Reads (and checks the shape of) one dialect's error envelope. */
export type ErrorReader = (answer: Answer<unknown>) => Failure;

/** The person accepting: what each dialect needs to act as them. */
export interface Invitee {
  email: string;
  /** The user, when the dialect needs one before acceptance (Logto, Elastic). */
  userId?: string;
  /** An API key bound to the user (Elastic). */
  key?: string;
}

export type Lifecycle = "pending" | "accepted" | "revoked" | "expired";

export const CASES = {
  lifecycle: "create → get → list → resend → accept → the invitee is a member",
  resend: "resend while pending (within the lifecycle case)",
  revoke: "revoke → accept fails",
  expired: "expired → accept fails",
  duplicate: "duplicate pending invitation",
  member: "invitee already a member",
  tenant: "another tenant's organization and invitation",
  tenantAccept: "accept another tenant's invitation",
  wrongInvitee: "accept as a user whose email is not the invitee's",
  credentials: "no or wrong credentials",
  malformed: "malformed bodies",
} as const;

export type CaseName = keyof typeof CASES;

export interface Expected {
  /** HTTP status of a successful create. */
  created: number;
  /** HTTP status of a successful resend (none where the dialect has no resend). */
  resent: number | undefined;
  /** Whether the organization's list still shows an accepted / an expired invitation. */
  listed: { accepted: boolean; expired: boolean };
  /** Accepting an invitation that was accepted already. */
  acceptedAccept: Failure;
  revokedAccept: Failure;
  /** Revoking (deleting) again. */
  revokeEnded: Failure;
  /** Resending a revoked invitation (none where the dialect has no resend). */
  resendEnded: Failure | undefined;
  expiredAccept: Failure;
  /** Resending an expired invitation (none where the dialect has no resend). */
  resendExpired: Failure | undefined;
  /** `refresh`: the dialect answers a duplicate by renewing the pending invitation (same id). */
  duplicate: Failure | "refresh";
  alreadyMember: Failure;
  /** The invitee became a member some other way before accepting. */
  memberAtAccept: Failure;
  otherTenantOrganization: Failure;
  /** Listing another tenant's organization: an error, or an empty list where it is a filter. */
  otherTenantList: Failure | "empty";
  otherTenantRevoke: Failure;
  /** A role of another tenant granted by the invitation. */
  otherTenantRole: Failure;
  /** An invitation the caller cannot see: another tenant's, or one deleted. */
  unknownInvitation: Failure;
  /** Accepting another tenant's invitation, where acceptance names a user of the caller's tenant. */
  otherTenantAccept?: Failure;
  /** Accepting as a user whose email differs from the invitee's. */
  wrongInvitee?: Failure;
  noCredentials: Failure;
  wrongCredentials: Failure;
  /** A key without the `invitations:write` scope creating. */
  missingScope: Failure;
  notJson: Failure;
  /** A JSON body that is not an object (`[1]`). */
  notObject: Failure;
  /** A body sent as `text/plain`. */
  wrongContentType: Failure;
  wrongTypes: Failure;
  /** An invitee that is not an email address. */
  badEmail: Failure;
}

export interface CreateInput {
  organizationId: string;
  email: string;
  roleIds?: string[];
  /** A short lifetime, for dialects whose request carries one (`expiry: "request"`). */
  lifetimeSeconds?: number;
}

export interface DialectAdapter {
  name: string;
  /** Cases this dialect cannot express, each with the reason. */
  skip: Partial<Record<CaseName, string>>;
  expected: Expected;
  /** Where an invitation's lifetime comes from: the request, or only the tenant's default. */
  expiry: "request" | "tenant-default";
  /** One-time setup of the tenant for this dialect. */
  prepare?(env: Env): Promise<void>;
  create(env: Env, input: CreateInput, auth?: Auth): Promise<Answer<unknown>>;
  /** POSTs raw bytes as JSON to the create route. */
  createRaw(env: Env, organizationId: string, payload: string, contentType?: string): Promise<Answer<unknown>>;
  /** A create body whose fields have the wrong JSON types. */
  wrongTypesBody(organizationId: string): unknown;
  /** The dialect's reference to the invitation in a create answer. */
  refOfCreated(body: unknown): string;
  /** The dialect's reference to an invitation known from the native API. */
  refOfNative(invitation: { id: string; acceptUrl: string }): string;
  get(env: Env, ref: string, auth?: Auth): Promise<Answer<unknown>>;
  /** Email and lifecycle state of an invitation body from get; checks the dialect's shape. */
  read(body: unknown): { email: string; state: Lifecycle };
  /** The references listed for the organization. */
  list(env: Env, organizationId: string, auth?: Auth): Promise<{ answer: Answer<unknown>; refs: string[] }>;
  /** Absent where the dialect has no resend (`skip.resend` says why). */
  resend?(env: Env, ref: string): Promise<Answer<unknown>>;
  /** Checks the resend answer's body. */
  checkResent?(body: unknown): void;
  inviteeFor(env: Env, email: string): Promise<Invitee>;
  accept(env: Env, ref: string, invitee: Invitee): Promise<Answer<unknown>>;
  /** Acceptance answers in this envelope (the native one where the invitee uses the native page). */
  acceptError: ErrorReader;
  revoke(env: Env, organizationId: string, ref: string): Promise<Answer<unknown>>;
  /** After a revoke the invitation reads as `revoked`, or is gone (404 in the dialect's envelope). */
  afterRevoke: "revoked" | "gone";
  error: ErrorReader;
}

/** Parses a response body as JSON when it is JSON. */
export function answerOf(response: { statusCode: number; body: string; headers: Answer["headers"] }): Answer<unknown> {
  let body: unknown = response.body;
  try {
    body = response.body ? JSON.parse(response.body) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.statusCode, body, headers: response.headers, text: response.body };
}

/** RFC 9457 problem details with Usher's stable `code`. */
export const readProblem: ErrorReader = (answer) => {
  expect(answer.headers["content-type"], answer.text).toMatch(/^application\/problem\+json/);
  const body = answer.body as Record<string, unknown>;
  expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status: answer.status, code: expect.any(String) });
  return { status: answer.status, code: String(body.code) };
};

export function splitKey(key: string): { id: string; secret: string } {
  const dot = key.indexOf(".");
  return { id: key.slice(0, dot), secret: key.slice(dot + 1) };
}

export function keyFor(env: Env, auth: Auth): string | null {
  if (auth === "none") return null;
  if (auth === "readOnly") return env.readOnlyKey;
  return auth === "wrong" ? WRONG_KEY : env.adminKey;
}

/** The token in the newest captured email to `email`, after delivering the outbox. */
export async function tokenFromMail(env: Env, email: string): Promise<string> {
  await env.ctx.usher.worker.drain();
  const mail = await env.admin.get<{ data: Array<{ text: string }> }>(`/v1/mailbox?to=${encodeURIComponent(email)}`);
  const token = /[?&]token=([A-Za-z0-9_-]{43})/.exec(mail.body.data[0]?.text ?? "")?.[1];
  if (!token) throw new Error(`no accept link mailed to ${email}`);
  return token;
}
