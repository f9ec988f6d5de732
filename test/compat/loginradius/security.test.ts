import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loggerOptions } from "../../../src/logging.js";
import {
  type Client,
  client,
  createTestContext,
  databaseKinds,
  seedOrganization,
  type TestContext,
  uniqueEmail,
} from "../../helpers/harness.js";
import { expectEnvelope, type LoginRadiusClient, type LrCall, type LrInvitation, loginRadiusClient, PREFIX } from "./lr-client.js";

const UNAUTHORIZED = {
  ErrorCode: 6002,
  Message: "Access Unauthorized",
  Description: "Access Unauthorized, please use valid authorization to access this endpoint.",
};

describe.each(databaseKinds)("LoginRadius credentials (%s)", (kind) => {
  const logLines: string[] = [];
  let ctx: TestContext;
  let api: Client;
  let lr: LoginRadiusClient;
  let orgId: string;
  let invitationId: string;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    ctx = await createTestContext(kind, { overrides: { log: pino(loggerOptions("info"), sink) } });
    api = client(ctx.app, ctx.adminKey);
    lr = loginRadiusClient(ctx.app, ctx.adminKey);
    orgId = (await seedOrganization(api)).organizationId;
    invitationId = (await lr.send<LrInvitation>({ email: uniqueEmail(), orgId })).body.Id;
  });
  afterAll(async () => ctx?.close());

  const list = (query: string, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: "GET", url: `${PREFIX}?orgid=${orgId}&${query}`, headers });

  interface Credentials {
    name: string;
    query: () => string;
    headers?: () => Record<string, string>;
  }

  const accepted: Credentials[] = [
    { name: "apikey and apisecret, as the seed", query: () => `apikey=${lr.apikey}&apisecret=${lr.apisecret}` },
    { name: "apiKey and apiSecret", query: () => `apiKey=${lr.apikey}&apiSecret=${lr.apisecret}` },
    { name: "APIKEY and APISECRET", query: () => `APIKEY=${lr.apikey}&APISECRET=${lr.apisecret}` },
    {
      name: "apiKey and the X-LoginRadius-apiSecret header, as the SDKs",
      query: () => `apiKey=${lr.apikey}`,
      headers: () => ({ "X-LoginRadius-apiSecret": lr.apisecret }),
    },
    {
      name: "apikey and the header in lower case",
      query: () => `apikey=${lr.apikey}`,
      headers: () => ({ "x-loginradius-apisecret": lr.apisecret }),
    },
  ];

  it.each(accepted)("accepts $name", async ({ query, headers }) => {
    const res = await list(query(), headers?.());
    expect(res.statusCode).toBe(200);
    expect(res.json<{ Data: LrInvitation[] }>().Data.map((i) => i.Id)).toContain(invitationId);
  });

  const refused: Credentials[] = [
    { name: "no credentials", query: () => "" },
    { name: "the key id only", query: () => `apikey=${lr.apikey}` },
    { name: "the secret only", query: () => `apisecret=${lr.apisecret}` },
    { name: "a wrong secret", query: () => `apikey=${lr.apikey}&apisecret=wrong-s3cret` },
    { name: "an unknown key id", query: () => `apikey=key_unknown&apisecret=${lr.apisecret}` },
    { name: "empty values", query: () => "apikey=&apisecret=" },
    { name: "the whole key as apikey", query: () => `apikey=${lr.apikey}.${lr.apisecret}` },
    { name: "the key id given twice", query: () => `apikey=${lr.apikey}&apiKey=${lr.apikey}&apisecret=${lr.apisecret}` },
    { name: "the secret in another header", query: () => `apikey=${lr.apikey}`, headers: () => ({ "X-LoginRadius-Secret": lr.apisecret }) },
    { name: "a bearer key instead", query: () => "", headers: () => ({ authorization: `Bearer ${ctx.adminKey}` }) },
  ];

  it.each(refused)("answers 401 / 6002 for $name", async ({ query, headers }) => {
    const res = await list(query(), headers?.());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(UNAUTHORIZED);
    expect(res.body).not.toContain("s3cret");
  });

  const operations: Array<[string, () => Omit<LrCall, "anonymous">]> = [
    ["send", () => ({ method: "POST", path: "", body: "not even JSON" })],
    ["get", () => ({ method: "GET", path: `/${invitationId}` })],
    ["list", () => ({ method: "GET", path: `?orgid=${orgId}` })],
    ["update", () => ({ method: "PUT", path: `/${invitationId}`, body: { roleIds: [] } })],
    ["revoke", () => ({ method: "DELETE", path: `/${invitationId}` })],
    ["resend", () => ({ method: "POST", path: `/${invitationId}/resend` })],
  ];

  it.each(operations)("refuses %s without credentials before anything else", async (_name, request) => {
    const answer = await lr.call({ ...request(), anonymous: true });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(UNAUTHORIZED);
    expectEnvelope(answer);
    expect((await lr.get<LrInvitation>(`/${invitationId}`)).body.Status).toBe("invited");
  });

  it("stops accepting a revoked key", async () => {
    const created = await api.post<{ key: string; apiKey: { id: string } }>("/v1/api-keys", { name: "temporary" });
    const temporary = loginRadiusClient(ctx.app, created.body.key);
    expect((await temporary.get(`/${invitationId}`)).status).toBe(200);
    expect((await api.delete(`/v1/api-keys/${created.body.apiKey.id}`)).status).toBe(204);
    const answer = await temporary.get(`/${invitationId}`);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(UNAUTHORIZED);
  });

  it("answers 403 / 6002 when the key may read but not write, and lets it read", async () => {
    const reader = await api.post<{ key: string }>("/v1/api-keys", { name: "reader", scopes: ["invitations:read"] });
    const readOnly = loginRadiusClient(ctx.app, reader.body.key);
    expect((await readOnly.get(`/${invitationId}`)).status).toBe(200);
    const answer = await readOnly.send({ email: uniqueEmail(), orgId });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({
      ErrorCode: 6002,
      Message: "Access Unauthorized",
      Description: "Access Unauthorized, this API key lacks the invitations:write scope.",
    });
  });

  it("keeps the secret out of every log line", async () => {
    await list(`apikey=${lr.apikey}&ApiSecret=${lr.apisecret}`);
    await list(`apikey=${lr.apikey}`, { "X-LoginRadius-apiSecret": lr.apisecret });
    await list("apikey=key_unknown&apisecret=s3cret-that-is-wrong");
    const logged = logLines.join("\n");
    expect(logged).toContain("/v2/manage/invitations");
    expect(logged).not.toContain(lr.apisecret);
    expect(logged).not.toContain("s3cret-that-is-wrong");
  });
});
