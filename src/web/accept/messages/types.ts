/**
 * Every string of the accept pages, per locale. Values passed in (organization, inviter, email,
 * host, dates) are plain text; the page escapes the whole result.
 */
export interface AcceptMessages {
  pending: {
    eyebrow: string;
    heading(org: string): string;
    lead(org: string, inviter: string | null): string;
    email: string;
    invitedBy: string;
    roles(count: number): string;
    expires: string;
    accept: string;
    decline: string;
    note: string;
  };
  success: {
    heading(org: string): string;
    body(org: string): string;
    redirecting(host: string): string;
    continueTo(host: string): string;
    closePage: string;
  };
  declinedNow: { heading: string; body(org: string): string };
  expired: { heading: string; body(org: string, date: string): string };
  revoked: { heading: string; body(org: string): string };
  declined: { heading: string; body(org: string): string };
  accepted: { heading: string; body(org: string, date: string): string };
  unknown: { heading: string; body: string };
  alreadyMember: { heading: string; body(email: string, org: string): string };
  memberLimit: { heading: string; body(org: string): string };
  tooMany: { heading: string; body: string };
  error: { heading: string; body: string };
  askNew(inviter: string | null): string;
}
