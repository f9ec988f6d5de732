import { performance } from "node:perf_hooks";
import { client, createTestContext, seedOrganization } from "./helpers/harness.js";

const ctx = await createTestContext((process.env.KIND as "sqlite" | "postgres") ?? "sqlite");
const api = client(ctx.app, ctx.adminKey);
const orgs = await Promise.all(Array.from({ length: 20 }, (_, i) => seedOrganization(api, `O${i}`)));
const N = 6000;
for (let i = 0; i < 1000; i += 50)
  await Promise.all(
    Array.from({ length: 50 }, (_, j) =>
      api.post("/v1/invitations", {
        organizationId: orgs[(i + j) % 20]?.organizationId,
        email: `w${i + j}@x.example.com`,
        roleIds: [orgs[(i + j) % 20]?.roleId],
      }),
    ),
  );
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < N; i += 50)
  await Promise.all(
    Array.from({ length: 50 }, (_, j) =>
      api.post("/v1/invitations", {
        organizationId: orgs[(i + j) % 20]?.organizationId,
        email: `p${i + j}@x.example.com`,
        roleIds: [orgs[(i + j) % 20]?.roleId],
      }),
    ),
  );
const cpu = process.cpuUsage(cpu0);
console.log(
  `wall ${((performance.now() - t0) / N).toFixed(3)} ms/create, cpu ${((cpu.user + cpu.system) / 1000 / N).toFixed(3)} ms/create`,
);
await ctx.close();
