import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTestContext, seedOrganization, TEST_DATABASE_URL, type TestContext, uniqueEmail } from "../helpers/harness.js";

type Captured = { to: string; html: string; text: string };

/**
 * PostgreSQL keeps a captured message in its own row, compressed with LZ4 (ADR 0016): nothing
 * goes to the TOAST table, and what is read back is what was written.
 */
describe.skipIf(!TEST_DATABASE_URL)("captured message storage (postgres)", () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext("postgres");
  });
  afterAll(async () => ctx?.close());

  it("stores captured messages in the row, LZ4-compressed, and reads them back whole", async () => {
    const api = client(ctx.app, ctx.adminKey);
    const { organizationId } = await seedOrganization(api, "Storage");
    const emails = Array.from({ length: 12 }, () => uniqueEmail("stored"));
    const create = (email: string, i: number) => api.post("/v1/invitations", { organizationId, email, locale: i % 2 ? "fr" : "en" });
    // Alone, then together: creates sent at once share a group and its one statement (ADR 0015).
    for (const [i, email] of emails.slice(0, 6).entries()) expect((await create(email, i)).status).toBe(201);
    const together = await Promise.all(emails.slice(6).map(create));
    expect(together.map((r) => r.status)).toEqual(Array(6).fill(201));
    const layout = await sql<{ toast: string; options: string[] | null; html: string; text: string }>`
      select pg_relation_size(c.reltoastrelid)::text as toast, c.reloptions as options,
        (select attcompression from pg_attribute where attrelid = c.oid and attname = 'html') as html,
        (select attcompression from pg_attribute where attrelid = c.oid and attname = 'text') as text
      from pg_class c where c.relname = 'mailbox'`.execute(ctx.usher.db);
    const [table] = layout.rows;
    expect(table?.options).toContain("toast_tuple_target=4000");
    expect(table?.html).toBe("l");
    expect(table?.text).toBe("l");
    expect(table?.toast).toBe("0");
    const rows = await sql<{ to: string; method: string | null; size: number }>`
      select "to", pg_column_compression(html) as method, length(html) as size from mailbox`.execute(ctx.usher.db);
    expect(rows.rows.length).toBeGreaterThanOrEqual(emails.length);
    for (const row of rows.rows) {
      // Rows over the target are compressed with LZ4; none is written out of line.
      expect(row.size).toBeGreaterThan(3000);
      expect(row.method).toBe("lz4");
    }
    for (const email of emails) {
      const box = await api.get<{ data: Captured[] }>(`/v1/mailbox?to=${encodeURIComponent(email)}`);
      expect(box.body.data).toHaveLength(1);
      expect(box.body.data[0]?.html).toMatch(/^<!doctype html>[\s\S]*<\/html>\s*$/i);
      expect(box.body.data[0]?.text).toContain("token=");
    }
  });
});
