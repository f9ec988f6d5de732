import { expiryParts } from "../locale.js";
import type { LocaleMessages } from "./messages.js";

export const de: LocaleMessages = {
  locale: "de",
  subject:
    "{{#reminder}}Erinnerung: {{/reminder}}{{#inviter}}{{inviter}} hat Sie zu {{organization}} eingeladen{{/inviter}}{{^inviter}}Ihre Einladung zu {{organization}}{{/inviter}}",
  preheader: "Ihre Einladung zu {{organization}} ist bis zum {{expiry}} gültig.",
  heading: "Einladung zu {{organization}}",
  intro:
    "{{#inviter}}{{inviter}} hat Sie eingeladen, {{organization}}{{#roles}} als {{roles}}{{/roles}} beizutreten.{{/inviter}}{{^inviter}}Sie wurden eingeladen, {{organization}}{{#roles}} als {{roles}}{{/roles}} beizutreten.{{/inviter}}",
  reminder: "Nur zur Erinnerung: Ihre Einladung ist noch offen.",
  button: "Einladung annehmen",
  expiry: "Die Einladung ist bis zum {{expiry}} gültig.",
  fallback: "Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:",
  ignore:
    "Falls Sie diese Einladung nicht erwartet haben, können Sie diese E-Mail einfach ignorieren. Solange Sie nicht annehmen, passiert nichts.",
  footer: "Diese Einladung wurde{{#brand}} von {{brand}}{{/brand}} an {{email}} gesendet.",
  formatExpiry(at) {
    const { date, time } = expiryParts("de", at);
    return `${date}, ${time} Uhr (UTC)`;
  },
};
