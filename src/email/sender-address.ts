import { isValidEmail } from "../core/email-address.js";

export interface MailAddress {
  name: string;
  address: string;
}

const WITH_NAME = /^\s*(?:"((?:[^"\\\r\n]|\\.)*)"|([^"<>\r\n]*?))\s*<([^<>\s]+)>\s*$/;

/** Reads `address` or `Display Name <address>` (the name may be quoted); null when invalid. */
export function parseMailAddress(value: string): MailAddress | null {
  const named = WITH_NAME.exec(value);
  if (named) {
    const address = named[3] ?? "";
    const name = named[1] !== undefined ? named[1].replace(/\\(.)/g, "$1") : (named[2] ?? "");
    return isValidEmail(address) ? { name: name.trim(), address } : null;
  }
  const bare = value.trim();
  return isValidEmail(bare) && !/[<>"]/.test(bare) ? { name: "", address: bare } : null;
}

/** An RFC 5322 header value: the name is always quoted, so commas and colons are safe in it. */
export function formatMailAddress(from: MailAddress): string {
  if (!from.name) return from.address;
  return `"${from.name.replace(/["\\]/g, "\\$&")}" <${from.address}>`;
}

/** The tenant's `from`, or `<brand or Usher> <no-reply@public host>`. */
export function senderAddress(configured: string | null, brandName: string | null, publicUrl: string): MailAddress {
  const parsed = configured ? parseMailAddress(configured) : null;
  if (parsed) return { name: parsed.name || brandName || "", address: parsed.address };
  const host = new URL(publicUrl).hostname;
  // A bare IP is not a domain: mail needs the address-literal form no-reply@[127.0.0.1].
  const domain = /^[0-9.]+$/.test(host) || host.startsWith("[") ? `[${host.replace(/^\[|\]$/g, "")}]` : host;
  return { name: brandName ?? "Usher", address: `no-reply@${domain}` };
}
