import { expiryParts } from "../locale.js";
import type { LocaleMessages } from "./messages.js";

export const en: LocaleMessages = {
  locale: "en",
  subject:
    "{{#reminder}}Reminder: {{/reminder}}{{#inviter}}{{inviter}} invited you to join {{organization}}{{/inviter}}{{^inviter}}You're invited to join {{organization}}{{/inviter}}",
  preheader: "Your invitation to {{organization}} expires on {{expiry}}.",
  heading: "Join {{organization}}",
  intro:
    "{{#inviter}}{{inviter}} has invited you to join {{organization}}{{#roles}} as {{roles}}{{/roles}}.{{/inviter}}{{^inviter}}You've been invited to join {{organization}}{{#roles}} as {{roles}}{{/roles}}.{{/inviter}}",
  reminder: "Just a friendly reminder: your invitation is still waiting for you.",
  button: "Accept invitation",
  expiry: "This invitation expires on {{expiry}}.",
  fallback: "If the button doesn't work, copy and paste this link into your browser:",
  ignore: "If you weren't expecting this invitation, you can ignore this email. Nothing happens unless you accept.",
  footer: "This invitation was sent to {{email}}{{#brand}} by {{brand}}{{/brand}}.",
  formatExpiry(at) {
    const { date, time } = expiryParts("en", at);
    return `${date} at ${time} UTC`;
  },
};
