import type { Usher } from "../../../container.js";
import { AppError } from "../../../core/errors.js";
import { isHttpUrl, isLocale } from "../../../settings/settings-service.js";
import { guardError } from "./errors.js";

export interface MessagePayload {
  code?: string;
  link?: string;
  locale?: string;
}

export interface EmailChoice {
  /** The app's own page for the email's link; Usher appends the token (ADR 0042). */
  acceptUrl?: string;
  locale?: string;
}

/**
 * What a Logto message payload asks of Usher's email: `link` is the page the email links to,
 * `locale` its language. Usher writes its own message, so `code` and other keys are ignored;
 * a locale that is not a language tag falls back to the tenant's, as Logto's templates do.
 */
export function readMessagePayload(payload: MessagePayload, pointer: string): EmailChoice {
  const choice: EmailChoice = {};
  if (payload.link !== undefined && payload.link !== "") {
    if (!isHttpUrl(payload.link)) {
      throw guardError("body", [{ path: `${pointer}/link`, message: "must be an absolute http or https URL" }]);
    }
    choice.acceptUrl = payload.link;
  }
  if (payload.locale !== undefined && isLocale(payload.locale)) choice.locale = payload.locale;
  return choice;
}

/**
 * An email is only promised when the tenant can send one: an SMTP URL (the tenant's or the
 * server's), or the capture mailbox explicitly declared a sender (PRODUCT.md §4).
 */
export async function requireEmailSender(usher: Usher, tenantId: string): Promise<void> {
  const { email } = await usher.settings.get(tenantId);
  if (email.smtpUrl || usher.config.smtpUrl || email.captureIsSender) return;
  throw new AppError("email_sender_not_configured", { detail: "configure an SMTP sender for this tenant" });
}
