import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Usher } from "../container.js";
import { renderDocsPage } from "./docs-page.js";

/** Health, readiness, Prometheus metrics, the OpenAPI document and its reference page. */
export async function operationsRoutes(app: FastifyInstance, usher: Usher): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: "usher_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const { sharedCounters, invalidations } = usher;
  if (sharedCounters) {
    new Gauge({
      name: "usher_limit_counters_reachable",
      help: "1 while the Redis limit counters answer, 0 while limited requests answer 503",
      registers: [registry],
      collect() {
        this.set(sharedCounters.reachable ? 1 : 0);
      },
    });
  }
  if (invalidations.listening !== undefined) {
    new Gauge({
      name: "usher_cache_invalidations_listening",
      help: "1 while this process hears other processes' changes to cached keys and settings",
      registers: [registry],
      collect() {
        this.set(invalidations.listening ? 1 : 0);
      },
    });
  }
  app.addHook("onResponse", async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? "unmatched", status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  const hidden = { schema: { hide: true } };
  // The front door of a fresh install: the admin console.
  app.get("/", hidden, async (_request, reply) => reply.redirect("/console", 302));
  app.get("/healthz", hidden, async () => ({ status: "ok" }));
  app.get("/readyz", hidden, async (_request, reply) => {
    try {
      await sql`select 1`.execute(usher.db);
      if (usher.sharedCounters && !(await usher.sharedCounters.ping())) return reply.code(503).send({ status: "unavailable" });
      return { status: "ready", database: usher.database.kind, ...(usher.sharedCounters && { counters: "redis" }) };
    } catch {
      return reply.code(503).send({ status: "unavailable" });
    }
  });
  app.get("/metrics", hidden, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get("/openapi.json", hidden, async () => app.swagger());
  app.get("/docs", hidden, async (_request, reply) => reply.type("text/html; charset=utf-8").send(renderDocsPage(app.swagger())));
}
