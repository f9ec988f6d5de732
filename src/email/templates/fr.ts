import { expiryParts } from "../locale.js";
import type { LocaleMessages } from "./messages.js";

// French typography: a no-break space (\u00a0) before ":" and inside guillemets.
export const fr: LocaleMessages = {
  locale: "fr",
  subject:
    "{{#reminder}}Rappel\u00a0: {{/reminder}}{{#inviter}}{{inviter}} vous invite à rejoindre {{organization}}{{/inviter}}{{^inviter}}Invitation à rejoindre {{organization}}{{/inviter}}",
  preheader: "Votre invitation à rejoindre {{organization}} expire le {{expiry}}.",
  heading: "Rejoignez {{organization}}",
  intro:
    "{{#inviter}}{{inviter}} vous invite à rejoindre {{organization}}{{#roles}} en tant que {{roles}}{{/roles}}.{{/inviter}}{{^inviter}}Vous avez reçu une invitation à rejoindre {{organization}}{{#roles}} en tant que {{roles}}{{/roles}}.{{/inviter}}",
  reminder: "Petit rappel\u00a0: votre invitation vous attend toujours.",
  button: "Accepter l’invitation",
  expiry: "Cette invitation expire le {{expiry}}.",
  fallback: "Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur\u00a0:",
  ignore:
    "Si vous ne vous attendiez pas à cette invitation, vous pouvez ignorer cet e-mail. Rien ne se passera tant que vous ne l’aurez pas acceptée.",
  footer: "Cette invitation a été envoyée à {{email}}{{#brand}} par {{brand}}{{/brand}}.",
  formatExpiry(at) {
    const { date, time } = expiryParts("fr", at);
    return `${date} à ${time} (UTC)`;
  },
};
