import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { toAppError } from "./framework-errors.js";
import { sendProblem } from "./native/problem.js";

export type FrameworkErrorRenderer = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * Router-level failures (a malformed `%` escape in the URL, a path parameter over the router's
 * length limit) happen before any plugin's hooks or error handler run, and Fastify hands them
 * to one root callback. A dialect registers here how to render them under its prefix; other
 * URLs get a native problem.
 */
export class FrameworkErrorRoutes {
  private readonly renderers: Array<{ prefix: string; render: FrameworkErrorRenderer }> = [];

  add(prefix: string, render: FrameworkErrorRenderer): void {
    this.renderers.push({ prefix, render });
    this.renderers.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  readonly handle = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): unknown => {
    const url = request.raw.url ?? "";
    const match = this.renderers.find(({ prefix }) => url === prefix || url.startsWith(`${prefix}/`));
    if (match) return match.render(error, request, reply);
    return sendProblem(reply, toAppError(error));
  };
}
