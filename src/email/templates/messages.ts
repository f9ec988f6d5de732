/**
 * The wording of one locale's built-in invitation email. Every string is a template
 * (`template.ts`) over the variables organization, inviter, roles, link, expiry, email, brand
 * and reminder; the layout (`layout.ts`) assembles them into the subject, text and HTML.
 */
export interface LocaleMessages {
  /** BCP 47 tag, also the HTML `lang`. */
  locale: string;
  subject: string;
  /** The preview line mail clients show next to the subject (hidden in the body). */
  preheader: string;
  heading: string;
  /** Who invites whom, where, with which roles. */
  intro: string;
  /** Shown only for a resend. */
  reminder: string;
  button: string;
  expiry: string;
  /** Introduces the plain link under the button. */
  fallback: string;
  /** Reassures someone who did not expect the email. */
  ignore: string;
  footer: string;
  /** The expiry as this locale writes a date and time in UTC. */
  formatExpiry(at: number): string;
}
