import { normalizeEmail } from "../core/email-address.js";
import { type Page, toPage } from "../core/pagination.js";
import type { Db } from "../db/database.js";
import { newestFirst } from "../db/lists.js";

export interface CapturedMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  createdAt: number;
}

export class MailboxService {
  constructor(private readonly db: Db) {}

  async list(tenantId: string, options: { to?: string; limit: number; cursor?: string }): Promise<Page<CapturedMessage>> {
    let query = this.db.selectFrom("mailbox").selectAll().where("tenant_id", "=", tenantId);
    if (options.to !== undefined) query = query.where("to", "=", normalizeEmail(options.to));
    const rows = await newestFirst(query, options.cursor, options.limit + 1).execute();
    return toPage(rows, options.limit, (row) => ({
      id: row.id,
      to: row.to,
      subject: row.subject,
      text: row.text,
      html: row.html,
      headers: JSON.parse(row.headers) as Record<string, string>,
      createdAt: row.created_at,
    }));
  }
}
