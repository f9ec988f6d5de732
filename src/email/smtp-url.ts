import type { SecretBox } from "../core/crypto.js";

/**
 * SMTP URLs: `smtp://user:pass@host:port` (STARTTLS when offered), `smtps://…` (TLS from the
 * start). Query options: `tls=off` (never STARTTLS), `tls=insecure` (accept any certificate),
 * `maxConnections=N` (pool size). A tenant's password is stored sealed with the server key
 * (ADR 0053) and only opened to connect.
 */
export interface SmtpOptions {
  host: string;
  port: number;
  secure: boolean;
  auth: { user: string; pass: string } | undefined;
  ignoreTLS: boolean;
  rejectUnauthorized: boolean;
  maxConnections: number | undefined;
}

const SEALED_PREFIX = "sealed.";
export const DEFAULT_MAX_CONNECTIONS = 8;

/** Why a URL cannot be used, or null when it can. */
export function checkSmtpUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be a URL such as smtp://user:password@mail.example.com:587";
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") return "must be an smtp:// or smtps:// URL";
  if (url.hostname === "") return "must name the mail server's host";
  if (url.password !== "" && url.username === "") return "a password needs a user name";
  const tls = url.searchParams.get("tls");
  if (tls !== null && tls !== "off" && tls !== "insecure") return "tls must be off or insecure";
  const max = url.searchParams.get("maxConnections");
  if (max !== null && !/^([1-9]|[1-9][0-9])$/.test(max)) return "maxConnections must be between 1 and 99";
  return null;
}

export function parseSmtpUrl(value: string, box?: SecretBox): SmtpOptions {
  const url = new URL(value);
  const secure = url.protocol === "smtps:";
  const user = decodeURIComponent(url.username);
  const max = url.searchParams.get("maxConnections");
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: user ? { user, pass: openPassword(url.password, box) } : undefined,
    ignoreTLS: url.searchParams.get("tls") === "off",
    rejectUnauthorized: url.searchParams.get("tls") !== "insecure",
    maxConnections: max ? Number(max) : undefined,
  };
}

/** Replaces a plain password in the URL with its sealed form; sealed or absent ones stay. */
export function sealSmtpPassword(value: string, box: SecretBox): string {
  const url = new URL(value);
  if (url.password === "" || url.password.startsWith(SEALED_PREFIX)) return value;
  url.password = `${SEALED_PREFIX}${box.encrypt(decodeURIComponent(url.password))}`;
  return url.toString();
}

/**
 * `GET /v1/settings` shows the URL without its password; a client that sends that URL back
 * unchanged must not wipe the password. So a new URL without a password for the same user,
 * host and port keeps the stored one.
 */
export function keepStoredPassword(next: string, current: string | null): string {
  if (!current) return next;
  const a = new URL(next);
  const b = new URL(current);
  const same = a.protocol === b.protocol && a.username === b.username && a.hostname === b.hostname && a.port === b.port;
  if (!same || a.password !== "" || b.password === "" || a.username === "") return next;
  a.password = b.password;
  return a.toString();
}

function openPassword(raw: string, box: SecretBox | undefined): string {
  if (box && raw.startsWith(SEALED_PREFIX)) {
    try {
      return box.decrypt(raw.slice(SEALED_PREFIX.length));
    } catch {
      // Sealed under another server key: the server will refuse it, which the worker reports.
      return "";
    }
  }
  return decodeURIComponent(raw);
}
