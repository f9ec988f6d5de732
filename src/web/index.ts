import type { FastifyInstance } from "fastify";
import type { Usher } from "../container.js";
import { acceptPages } from "./accept/accept-routes.js";
import { consolePages } from "./console-routes.js";

/** The two web surfaces people see: the invitee's `/accept` pages and the admin `/console`. */
export async function webPages(app: FastifyInstance, options: { usher: Usher }): Promise<void> {
  await app.register(acceptPages, { prefix: "/accept", usher: options.usher });
  await app.register(consolePages, { prefix: "/console" });
}
