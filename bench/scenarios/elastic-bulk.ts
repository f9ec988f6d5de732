import { randomBytes } from "node:crypto";

const EMAILS = 1000;

/**
 * One Elastic-dialect create of 1,000 emails over HTTP, timed from request to parsed answer.
 * `apiKey` is a full `<key id>.<secret>` with `invitations:write`; the organization must exist.
 */
export async function elasticBulkCreate(baseUrl: string, apiKey: string, organizationId: string): Promise<{ ms: number }> {
  const run = randomBytes(4).toString("hex");
  const emails = Array.from({ length: EMAILS }, (_, i) => `bulk.${run}.${i}@example.com`);
  const url = new URL(`/api/v1/organizations/${encodeURIComponent(organizationId)}/invitations`, baseUrl);
  const started = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `ApiKey ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ emails, expires_in: "3d" }),
  });
  const body = (await response.json()) as { invitations?: unknown[] };
  const ms = performance.now() - started;
  if (response.status !== 201 || body.invitations?.length !== EMAILS) {
    throw new Error(`bulk create answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  return { ms };
}
