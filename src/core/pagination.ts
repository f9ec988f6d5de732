import { AppError } from "./errors.js";

/** A page of a newest-first list; `nextCursor` is null on the last page. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
  total?: number;
}

export interface CursorPosition {
  createdAt: number;
  id: string;
}

/** Keyset cursors are opaque to callers: base64url of `<createdAt>:<id>`. */
export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): CursorPosition | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const separator = text.indexOf(":");
  const createdAt = Number(text.slice(0, separator));
  const id = text.slice(separator + 1);
  if (separator < 1 || !Number.isSafeInteger(createdAt) || !/^[a-z]+_[A-Za-z0-9]+$/.test(id)) {
    throw new AppError("validation_failed", {
      detail: "cursor is not a cursor returned by this API",
      errors: [{ path: "/cursor", message: "invalid cursor" }],
    });
  }
  return { createdAt, id };
}

/** Cuts a newest-first result fetched with `limit + 1` rows into a page and its cursor. */
export function toPage<R extends { created_at: number; id: string }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: page.map(map), nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null };
}
