import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const CLI = ["--import", "tsx", "src/cli.ts"];
const dirs: string[] = [];

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "usher-cli-"));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts `usher serve` as a real process and resolves once it listens, with what it printed. */
async function serve(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string; url: string }> {
  const child = spawn(process.execPath, [...CLI, "serve"], {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    out += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    const check = () => {
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      } else setTimeout(check, 50);
    };
    check();
  });
  return { child, output: () => out, url };
}

async function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

describe("the usher command", () => {
  it("serves on an empty data dir, printing a working admin key once, and shuts down cleanly", async () => {
    const dir = dataDir();
    const first = await serve({ USHER_DATA_DIR: dir, PORT: "0" });
    const key = /\n {2}(key_[A-Za-z0-9]+\.[A-Za-z0-9_-]+)\n/.exec(first.output())?.[1];
    expect(key).toBeDefined();
    const orgs = await fetch(`${first.url}/v1/organizations`, { headers: { authorization: `Bearer ${key}` } });
    expect(orgs.status).toBe(200);
    const tenants = await fetch(`${first.url}/v1/tenants`, { headers: { authorization: `Bearer ${key}` } });
    expect(tenants.status).toBe(200);
    expect(await stop(first.child)).toBe(0);

    const second = await serve({ USHER_DATA_DIR: dir, PORT: "0" });
    expect(second.output()).not.toContain("Admin API key");
    const again = await fetch(`${second.url}/v1/organizations`, { headers: { authorization: `Bearer ${key}` } });
    expect(again.status).toBe(200);
    expect(await stop(second.child)).toBe(0);
  });

  it("ends with the reason and code 1 when its port is taken, instead of living on without serving", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const child = spawn(process.execPath, [...CLI, "serve"], {
        env: { ...process.env, LOG_LEVEL: "silent", USHER_DATA_DIR: dataDir(), PORT: String(port), HOST: "127.0.0.1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      child.stderr?.on("data", (d) => {
        err += String(d);
      });
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`the server did not end: ${err}`));
        }, 20_000);
        child.once("exit", (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      expect(code).toBe(1);
      expect(err).toMatch(/EADDRINUSE/);
    } finally {
      taken.close();
    }
  });

  it("creates exactly USHER_BOOTSTRAP_KEY and prints nothing secret", async () => {
    const dir = dataDir();
    const bootstrap = "key_bootstrap1.0123456789abcdefghij";
    const server = await serve({ USHER_DATA_DIR: dir, PORT: "0", USHER_BOOTSTRAP_KEY: bootstrap });
    expect(server.output()).not.toContain("0123456789abcdefghij");
    const res = await fetch(`${server.url}/v1/api-keys`, { headers: { authorization: `Bearer ${bootstrap}` } });
    expect(res.status).toBe(200);
    expect(await stop(server.child)).toBe(0);
  });

  it("migrates, creates tenants and keys from the command line", async () => {
    const dir = dataDir();
    const env = { ...process.env, USHER_DATA_DIR: dir, LOG_LEVEL: "silent" };
    const migrated = await run(process.execPath, [...CLI, "migrate"], { env });
    expect(migrated.stdout).toContain("migrations applied (sqlite)");
    const tenant = await run(process.execPath, [...CLI, "tenants", "create", "Globex"], { env });
    const tenantId = /tenant (ten_[A-Za-z0-9]+)/.exec(tenant.stdout)?.[1];
    expect(tenantId).toBeDefined();
    const key = await run(process.execPath, [...CLI, "keys", "create", "--tenant", String(tenantId), "--scope", "invitations:read"], {
      env,
    });
    expect(key.stdout).toMatch(/scopes invitations:read\nkey_[A-Za-z0-9]+\.[A-Za-z0-9_-]+\n/);
    await expect(
      run(process.execPath, [...CLI, "keys", "create", "--tenant", String(tenantId), "--scope", "root"], { env }),
    ).rejects.toMatchObject({
      code: 2,
    });
    await expect(run(process.execPath, [...CLI, "bogus"], { env })).rejects.toMatchObject({ code: 2 });
  });

  it("refuses a database set up with another server secret until that secret is adopted", async () => {
    const dir = dataDir();
    const withSecret = (secret?: string) => {
      const env: Record<string, string | undefined> = { ...process.env, USHER_DATA_DIR: dir, LOG_LEVEL: "silent", USHER_SECRET: secret };
      if (secret === undefined) delete env.USHER_SECRET;
      return env;
    };
    const first = "first-secret-first-secret-first-secret";
    const second = "second-secret-second-secret-second-secret";
    await run(process.execPath, [...CLI, "migrate"], { env: withSecret(first) });
    // Another secret, or none (the data folder then generates its own): the process stops.
    for (const secret of [second, undefined]) {
      const refused = run(process.execPath, [...CLI, "migrate"], { env: withSecret(secret) });
      await expect(refused).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("same USHER_SECRET") });
    }
    const adopted = await run(process.execPath, [...CLI, "secret", "adopt"], { env: withSecret(second) });
    expect(adopted.stdout).toContain("this server secret is now the database's");
    await run(process.execPath, [...CLI, "migrate"], { env: withSecret(second) });
    await expect(run(process.execPath, [...CLI, "migrate"], { env: withSecret(first) })).rejects.toMatchObject({ code: 1 });
  });
});
