import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Usher } from "./container.js";
import { AppError } from "./core/errors.js";
import { elasticApi } from "./http/compat/elastic/index.js";
import { LOGINRADIUS_PREFIX, loginRadiusApi } from "./http/compat/loginradius/index.js";
import { registerLogtoDialect } from "./http/compat/logto/index.js";
import { FrameworkErrorRoutes } from "./http/framework-error-routes.js";
import { nativeApi } from "./http/native/index.js";
import { sendProblem } from "./http/native/problem.js";
import { ProblemSchema } from "./http/native/schemas.js";
import { operationsRoutes } from "./http/operations.js";
import { installValidators } from "./http/validation.js";
import { redactUrl } from "./logging.js";
import { webPages } from "./web/index.js";

/** Builds the HTTP application around a composed Usher; it does not listen (see server.ts). */
export async function buildApp(usher: Usher): Promise<FastifyInstance> {
  const frameworkErrors = new FrameworkErrorRoutes();
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type Fastify's default.
    loggerInstance: usher.log as FastifyBaseLogger,
    bodyLimit: 1_048_576,
    requestIdHeader: false,
    return503OnClosing: true,
    frameworkErrors: frameworkErrors.handle,
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

  // Fastify's default 404 logs the raw URL, which may carry a token: answer without it.
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new AppError("route_not_found", { detail: `no route ${request.method} ${redactUrl(request.url.split("?")[0] ?? "")}` }),
    ),
  );
  await operationsRoutes(app, usher);
  await app.register(nativeApi, { prefix: "/v1", usher });
  await app.register(loginRadiusApi, { prefix: LOGINRADIUS_PREFIX, usher });
  await app.register(elasticApi, { prefix: "/api/v1", usher, frameworkErrors });
  await registerLogtoDialect(app, usher);
  await app.register(webPages, { usher });
  return app;
}
