import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Usher } from "./container.js";
import { nativeApi } from "./http/native/index.js";
import { ProblemSchema } from "./http/native/schemas.js";
import { operationsRoutes } from "./http/operations.js";
import { installValidators } from "./http/validation.js";
import { webPages } from "./web/index.js";

/** Builds the HTTP application around a composed Usher; it does not listen (see server.ts). */
export async function buildApp(usher: Usher): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type Fastify's default.
    loggerInstance: usher.log as FastifyBaseLogger,
    bodyLimit: 1_048_576,
    requestIdHeader: false,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  installValidators(app);
  app.addSchema(ProblemSchema);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Usher", version: "1", description: "Organization invitations: the native API." },
      components: {
        securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "`<key id>.<secret>`" } },
      },
      security: [{ apiKey: [] }],
    },
  });

  await operationsRoutes(app, usher);
  await app.register(nativeApi, { prefix: "/v1", usher });
  await app.register(webPages, { usher });
  return app;
}
