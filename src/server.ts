import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import type { Config } from "./config.js";
import { createUsher, type Usher } from "./container.js";
import { SYSTEM_ACTOR } from "./events/event-service.js";

export interface RunningServer {
  app: FastifyInstance;
  usher: Usher;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts Usher: migrate, bootstrap an empty database, listen, run the delivery worker.
 * Stopping refuses new connections, lets requests in flight finish, lets the worker finish its
 * batch (unfinished claims are retaken after their lease), then closes the database.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  const usher = await createUsher(config);
  let app: FastifyInstance | undefined;
  let url: string;
  try {
    const boot = await usher.tenants.bootstrap(SYSTEM_ACTOR, config.bootstrapKey);
    if (boot?.printedKey) {
      // Printed once, on purpose, to the terminal and not to the log stream.
      process.stdout.write(
        `\nUsher created the default tenant ${boot.tenant.id}.\nAdmin API key (shown once, keep it safe):\n\n  ${boot.printedKey}\n\n`,
      );
    }
    app = await buildApp(usher);
    url = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // A port already taken, say: the database, its listener and the threads are let go, so
    // that the process ends with the error instead of living on without serving.
    await app?.close().catch(() => undefined);
    await usher.close().catch(() => undefined);
    throw error;
  }
  const server = app;
  usher.worker.start();
  usher.log.info({ url, database: usher.database.kind }, "usher is listening");
  let stopping: Promise<void> | undefined;
  return {
    app: server,
    usher,
    url,
    stop() {
      stopping ??= (async () => {
        await server.close();
        await usher.close();
      })();
      return stopping;
    },
  };
}
