import { normalizeEmail } from "../core/email-address.js";
import type { Db } from "../db/database.js";

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

  async list(tenantId: string, options: { to?: string; limit: number }): Promise<CapturedMessage[]> {
    let query = this.db.selectFrom("mailbox").selectAll().where("tenant_id", "=", tenantId);
    if (options.to !== undefined) query = query.where("to", "=", normalizeEmail(options.to));
    const rows = await query.orderBy("created_at", "desc").orderBy("id", "desc").limit(options.limit).execute();
    return rows.map((row) => ({
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
