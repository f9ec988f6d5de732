import { createServer } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerDataStream } from "smtp-server";

/** What the sink saw of one DATA command, accepted or not. */
export interface ReceivedMail {
  accepted: boolean;
  messageId: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

export interface SinkOptions {
  /** Listen on this port (to bring a server up where Usher already points). */
  port?: number;
  /** Require AUTH with these credentials. */
  auth?: { user: string; pass: string };
  /**
   * Decides the answer to the n-th DATA (1-based): undefined accepts, a number rejects
   * with that SMTP code, "stall" never answers.
   */
  respond?: (n: number, mail: ReceivedMail) => number | "stall" | undefined;
  /** Waits this long before answering each DATA (a slow server). */
  delayMs?: number;
}

/** A real SMTP server on loopback that records every message it is given. */
export interface SmtpSink {
  port: number;
  /** An SMTP URL for Usher (STARTTLS is not offered, so none is attempted). */
  url: string;
  received: ReceivedMail[];
  /** Accepted messages only. */
  readonly accepted: ReceivedMail[];
  authAttempts: Array<{ user: string; ok: boolean }>;
  waitForAccepted(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const authAttempts: Array<{ user: string; ok: boolean }> = [];
  const server = new SMTPServer({
    disabledCommands: options.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
      authAttempts.push({ user: auth.username ?? "", ok });
      if (ok) callback(null, { user: auth.username });
      else callback(Object.assign(new Error("Invalid credentials"), { responseCode: 535 }));
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw)
          .then((parsed) => {
            const mail: ReceivedMail = {
              accepted: true,
              messageId: parsed.messageId ?? "",
              to: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
            };
            const answer = options.respond?.(received.length + 1, mail);
            mail.accepted = answer === undefined;
            received.push(mail);
            if (answer === "stall") return;
            const reply = () => {
              if (typeof answer === "number") callback(Object.assign(new Error(`Rejected with ${answer}`), { responseCode: answer }));
              else callback();
            };
            if (options.delayMs) setTimeout(reply, options.delayMs);
            else reply();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const address = server.server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  const credentials = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@` : "";
  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    received,
    get accepted() {
      return received.filter((m) => m.accepted);
    },
    authAttempts,
    async waitForAccepted(count, timeoutMs = 15_000) {
      await waitUntil(() => received.filter((m) => m.accepted).length >= count, timeoutMs, `${count} accepted messages`);
      return received.filter((m) => m.accepted);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port that nothing listens on (yet). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
