/**
 * Emails are trimmed and lower-cased before they are stored, compared, looked up or made
 * unique (PRODUCT.md §1). The check is deliberately plain: one @, a dot in the domain, no
 * spaces, within RFC 5321's lengths.
 */
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** NUL and the other C0 control characters, and DEL: never part of an address. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isValidEmail(email: string): boolean {
  const value = email.trim();
  if (value.length > 254 || hasControlCharacter(value)) return false;
  const at = value.lastIndexOf("@");
  if (at < 1 || at > 64) return false;
  return EMAIL.test(value);
}
