import type { AcceptMessages } from "./types.js";

export const en: AcceptMessages = {
  pending: {
    eyebrow: "You’re invited",
    heading: (org) => `Join ${org}`,
    lead: (org, inviter) => (inviter ? `${inviter} invited you to join ${org}.` : `You’ve been invited to join ${org}.`),
    email: "Invitation for",
    invitedBy: "Invited by",
    roles: (count) => (count === 1 ? "Role" : "Roles"),
    expires: "Expires",
    accept: "Accept invitation",
    decline: "Decline",
    note: "Not expecting this invitation? You can decline it or simply ignore it.",
  },
  success: {
    heading: (org) => `Welcome to ${org}`,
    body: (org) => `You’re now a member of ${org}.`,
    redirecting: (host) => `Taking you to ${host}…`,
    continueTo: (host) => `Continue to ${host}`,
    closePage: "You can close this page now.",
  },
  declinedNow: {
    heading: "Invitation declined",
    body: (org) => `You declined the invitation to join ${org}.`,
  },
  expired: {
    heading: "This invitation has expired",
    body: (org, date) => `The invitation to join ${org} expired on ${date}.`,
  },
  revoked: {
    heading: "This invitation was withdrawn",
    body: (org) => `The invitation to join ${org} was withdrawn and is no longer valid.`,
  },
  declined: {
    heading: "This invitation was declined",
    body: (org) => `The invitation to join ${org} has already been declined.`,
  },
  accepted: {
    heading: "This invitation has already been accepted",
    body: (org, date) => `The invitation to join ${org} was accepted on ${date}.`,
  },
  unknown: {
    heading: "This invitation link doesn’t work",
    body: "The link may be incomplete or no longer valid. Make sure you opened the whole link from your email.",
  },
  alreadyMember: {
    heading: "You’re already a member",
    body: (email, org) => `${email} is already a member of ${org}, so there is nothing to accept.`,
  },
  memberLimit: {
    heading: "This organization is full",
    body: (org) =>
      `${org} has reached its member limit, so the invitation can’t be accepted right now. It stays open: please try again later.`,
  },
  tooMany: {
    heading: "Too many attempts",
    body: "For your security, invitation links are paused for your network for a moment. Please wait a minute, then try again.",
  },
  error: {
    heading: "Something went wrong",
    body: "We couldn’t complete your request. Please try again in a moment.",
  },
  askNew: (inviter) =>
    inviter
      ? `If you still want to join, ask ${inviter} to send you a new invitation.`
      : "If you still want to join, ask the person who invited you for a new invitation.",
};
