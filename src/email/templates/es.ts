import { expiryParts } from "../locale.js";
import type { LocaleMessages } from "./messages.js";

export const es: LocaleMessages = {
  locale: "es",
  subject:
    "{{#reminder}}Recordatorio: {{/reminder}}{{#inviter}}{{inviter}} te ha invitado a unirte a {{organization}}{{/inviter}}{{^inviter}}Te han invitado a unirte a {{organization}}{{/inviter}}",
  preheader: "Tu invitación a {{organization}} expira el {{expiry}}.",
  heading: "Únete a {{organization}}",
  intro:
    "{{#inviter}}{{inviter}} te ha invitado a unirte a {{organization}}{{#roles}} como {{roles}}{{/roles}}.{{/inviter}}{{^inviter}}Te han invitado a unirte a {{organization}}{{#roles}} como {{roles}}{{/roles}}.{{/inviter}}",
  reminder: "Te recordamos que tu invitación sigue pendiente.",
  button: "Aceptar invitación",
  expiry: "Esta invitación expira el {{expiry}}.",
  fallback: "Si el botón no funciona, copia este enlace y pégalo en tu navegador:",
  ignore: "Si no esperabas esta invitación, puedes ignorar este correo. No pasará nada a menos que la aceptes.",
  footer: "Esta invitación se envió a {{email}}{{#brand}} desde {{brand}}{{/brand}}.",
  formatExpiry(at) {
    const { date, time } = expiryParts("es", at);
    return `${date} a las ${time} (UTC)`;
  },
};
