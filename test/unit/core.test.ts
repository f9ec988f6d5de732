import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashSecret, newToken, SecretBox, safeEqual } from "../../src/core/crypto.js";
import { isValidEmail, normalizeEmail } from "../../src/core/email-address.js";
import { newId } from "../../src/core/ids.js";
import { isoTime } from "../../src/core/iso-time.js";
import { MemoryLimitStore } from "../../src/core/limiter.js";
import { decodeCursor, encodeCursor } from "../../src/core/pagination.js";
import { buildAcceptLink, effectiveStatus } from "../../src/invitations/invitation.js";
import { redactUrl } from "../../src/logging.js";

describe("tokens and secrets", () => {
  const box = new SecretBox("unit-test-secret");

  it("makes 256-bit URL-safe tokens that never repeat", () => {
    const tokens = new Set(Array.from({ length: 1000 }, newToken));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("encrypts and decrypts any string, with a fresh IV each time", () => {
    fc.assert(
      fc.property(fc.string(), (plain) => {
        const a = box.encrypt(plain);
        expect(box.decrypt(a)).toBe(plain);
        expect(box.encrypt(plain)).not.toBe(a);
        expect(a).not.toContain(plain.length > 3 ? plain : "\u0000never");
      }),
    );
  });

  it("refuses a tampered ciphertext and a different server key", () => {
    const sealed = box.encrypt("token-value");
    const parts = sealed.split(".");
    const body = parts[3] ?? "";
    const tampered = [parts[0], parts[1], parts[2], `${body.slice(0, -2)}AA`].join(".");
    expect(() => box.decrypt(tampered)).toThrow();
    expect(() => new SecretBox("another-secret").decrypt(sealed)).toThrow();
  });

  it("opens sealed values through its cache, given as text or as bytes within a larger buffer", () => {
    const cached = new SecretBox("unit-test-secret");
    // Sealed by another box: the first opening decrypts, the next ones come from the cache.
    const tokens = Array.from({ length: 300 }, newToken);
    const sealed = tokens.map((token) => box.seal(token));
    const bytesOf = (value: string) => {
      const buffer = Buffer.from(`xx${value}yy`, "latin1");
      return [buffer, 2, 2 + value.length] as const;
    };
    for (let round = 0; round < 2; round++) {
      sealed.forEach((value, i) => {
        expect(cached.decryptCachedBytes(...bytesOf(value))).toBe(tokens[i]);
        expect(cached.decryptCached(value)).toBe(tokens[i]);
      });
    }
    // A value it encrypted is found by its bytes, the first time too.
    const own = cached.encrypt("own-token");
    expect(cached.decryptCachedBytes(...bytesOf(own))).toBe("own-token");
  });

  it("answers from its cache only for the same sealed value: another tag or length is decrypted, and refused", () => {
    const cached = new SecretBox("unit-test-secret");
    const value = box.seal("token-value");
    expect(cached.decryptCachedBytes(Buffer.from(value, "latin1"), 0, value.length)).toBe("token-value");
    const [version, iv, tag = "", body = ""] = value.split(".");
    // The tag's first character: all six of its bits are the tag's (the last one's are partly padding).
    const otherTag = [version, iv, `${tag.startsWith("A") ? "B" : "A"}${tag.slice(1)}`, body].join(".");
    const longer = `${value}AA`;
    for (const forged of [otherTag, longer]) {
      expect(() => cached.decryptCachedBytes(Buffer.from(forged, "latin1"), 0, forged.length)).toThrow();
      expect(() => cached.decryptCached(forged)).toThrow();
    }
  });

  it("keeps a bounded cache, and opens every value right after it is emptied", () => {
    const cached = new SecretBox("unit-test-secret");
    const tokens = Array.from({ length: 25_000 }, (_, i) => `token-${i}`);
    const sealed = tokens.map((token) => cached.encrypt(token));
    for (const i of [0, 1, 19_999, 20_000, 24_999]) {
      const value = sealed[i] ?? "";
      expect(cached.decryptCachedBytes(Buffer.from(value, "latin1"), 0, value.length)).toBe(tokens[i]);
      expect(cached.decryptCached(value)).toBe(tokens[i]);
    }
  });

  it("hashes lookups deterministically per server key", () => {
    expect(box.lookupHash("abc")).toBe(box.lookupHash("abc"));
    expect(box.lookupHash("abc")).not.toBe(new SecretBox("other").lookupHash("abc"));
    expect(hashSecret("s")).toBe(hashSecret("s"));
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});

describe("ids", () => {
  it("are prefixed, URL-safe and at most 21 characters", () => {
    for (const prefix of ["org", "inv", "role", "usr", "key", "evt", "msg", "mail", "ten"] as const) {
      const id = newId(prefix);
      expect(id.length).toBeLessThanOrEqual(21);
      expect(id).toMatch(new RegExp(`^${prefix}_[0-9a-z]{16}$`));
    }
  });

  it("sort in creation order, also within one millisecond, and never repeat", () => {
    const ids = Array.from({ length: 20_000 }, () => newId("inv"));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe("email addresses", () => {
  it("normalizes by trimming and lower-casing", () => {
    expect(normalizeEmail("  Ada@Example.COM ")).toBe("ada@example.com");
  });
  it.each(["a@b.co", "first.last+tag@sub.example.org", "x@xn--bcher-kva.de"])("accepts %s", (email) => {
    expect(isValidEmail(email)).toBe(true);
  });
  it.each(["", "a", "a@", "@b.co", "a@b", "a b@c.de", "a@b..co", "a@-b.co", `${"x".repeat(65)}@b.co`])("refuses %j", (email) => {
    expect(isValidEmail(email)).toBe(false);
  });
  it("never throws on arbitrary input", () => {
    fc.assert(fc.property(fc.string(), (s) => typeof isValidEmail(s) === "boolean"));
  });
});

describe("keyset cursors", () => {
  it("round-trip", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.stringMatching(/^inv_[A-Za-z0-9]{16}$/), (createdAt, id) => {
        expect(decodeCursor(encodeCursor(createdAt, id))).toEqual({ createdAt, id });
      }),
    );
  });
  it("refuse anything else with a validation error", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (junk) => {
        try {
          const decoded = decodeCursor(junk);
          expect(decoded?.id).toMatch(/^[a-z]+_[A-Za-z0-9]+$/);
        } catch (error) {
          expect((error as { code?: string }).code).toBe("validation_failed");
        }
      }),
    );
  });
});

describe("fixed-window limiter", () => {
  it("allows up to the limit per window, then tells how long to wait", async () => {
    let now = 1_000_000;
    const store = new MemoryLimitStore(() => now);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await store.consume("k", 3, 60_000));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]?.retryAfter).toBeGreaterThan(0);
    expect(results[3]?.retryAfter).toBeLessThanOrEqual(60);
    now += 60_000;
    expect((await store.consume("k", 3, 60_000)).allowed).toBe(true);
  });
  it("treats 0 as unlimited, counts costs, refunds and peeks with cost 0", async () => {
    const store = new MemoryLimitStore(() => 0);
    expect((await store.consume("u", 0, 1000, 1e9)).allowed).toBe(true);
    expect((await store.consume("c", 10, 1000, 10)).allowed).toBe(true);
    expect((await store.consume("c", 10, 1000, 0)).allowed).toBe(false);
    await store.refund("c", 1000, 4);
    expect((await store.consume("c", 10, 1000, 0)).allowed).toBe(true);
    expect((await store.consume("c", 10, 1000, 5)).allowed).toBe(false);
    expect((await store.consume("c", 10, 1000, 4)).allowed).toBe(true);
  });
  it("forgets windows once they close, whatever their length", async () => {
    let now = 0;
    const store = new MemoryLimitStore(() => now);
    for (let i = 0; i < 1000; i++) await store.consume(`send:${i}`, 10, 600_000);
    await store.consume("req:key", 100, 60_000);
    expect(store.size).toBe(1001);
    now = 60_000;
    await store.consume("other", 1, 3_600_000);
    expect(store.size).toBe(1001);
    now = 600_000;
    await store.consume("send:0", 10, 600_000);
    expect(store.size).toBe(2);
  });
});

describe("invitation status and links", () => {
  it("derives expired from the clock for pending rows only", () => {
    expect(effectiveStatus({ status: "pending", expires_at: 10 }, 9)).toBe("pending");
    expect(effectiveStatus({ status: "pending", expires_at: 10 }, 10)).toBe("expired");
    expect(effectiveStatus({ status: "accepted", expires_at: 10 }, 11)).toBe("accepted");
  });
  it("appends the token to an accept page that has a query already", () => {
    expect(buildAcceptLink("https://app.example.com/join?team=1", "T0K")).toBe("https://app.example.com/join?team=1&token=T0K");
  });
});

describe("log URL redaction", () => {
  it("hides tokens and secrets in query strings and long path segments", () => {
    const token = newToken();
    expect(redactUrl(`/accept?token=${token}`)).toBe("/accept?token=[REDACTED]");
    expect(redactUrl("/v2/manage/invitations?apikey=key_1&apisecret=xyz&orgid=1")).toBe(
      "/v2/manage/invitations?apikey=[REDACTED]&apisecret=[REDACTED]&orgid=1",
    );
    expect(redactUrl(`/api/v1/organizations/invitations/${token}/_accept`)).toBe("/api/v1/organizations/invitations/[REDACTED]/_accept");
    expect(redactUrl(`/api/v1/organizations/org_1/invitations/${token},${token}`)).not.toContain(token);
    expect(redactUrl("/v1/invitations/inv_0123456789abcdef")).toBe("/v1/invitations/inv_0123456789abcdef");
  });
});

describe("capped counts", () => {
  it("asks the database when it has no fresh count or the organization nears its cap", async () => {
    const { CappedCounts } = await import("../../src/core/capped-counts.js");
    const counts = new CappedCounts();
    expect(counts.peek("o", 0, 100, 1)).toBeUndefined();
    counts.hold("o", 1, counts.counted("o", 9, 0)).settle(1);
    expect(counts.peek("o", 1000, 100, 1)).toBe(10);
    counts.hold("o", 1, { base: 10 }).settle(1);
    expect(counts.peek("o", 1500, 100, 1)).toBe(11);
    expect(counts.peek("o", 1500, 100, 80)).toBeUndefined();
    expect(counts.peek("o", 2500, 100, 1)).toBeUndefined();
    expect(counts.peek("o", 0, 0, 1)).toBe(0);
  });

  it("counts what groups in flight hold, so that no interleaving of them passes the cap", async () => {
    const { CappedCounts } = await import("../../src/core/capped-counts.js");
    type Step =
      | { op: "decide"; adding: number }
      | { op: "commit"; which: number }
      | { op: "rollback"; which: number }
      | { op: "settle"; which: number; rolledBack: boolean }
      | { op: "remove"; rows: number }
      | { op: "wait"; ms: number };
    const step = fc.oneof(
      fc.record({ op: fc.constant("decide" as const), adding: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ op: fc.constant("commit" as const), which: fc.nat(5) }),
      fc.record({ op: fc.constant("rollback" as const), which: fc.nat(5) }),
      fc.record({ op: fc.constant("settle" as const), which: fc.nat(5), rolledBack: fc.boolean() }),
      fc.record({ op: fc.constant("remove" as const), rows: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ op: fc.constant("wait" as const), ms: fc.integer({ min: 1, max: 1_500 }) }),
    );
    interface Group {
      added: number;
      /** Decided from the database's count, under the organization's lock, kept until it ends. */
      locked: boolean;
      committed: boolean;
      ended: boolean;
      settle(created?: number): void;
    }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(step, { maxLength: 60 }), (cap, steps: Step[]) => {
        const counts = new CappedCounts();
        let now = 0;
        // Rows the database holds, and the groups of this process not yet settled.
        let rows = 0;
        const open: Group[] = [];
        const end = (group: Group, commit: boolean) => {
          if (group.ended) return;
          group.ended = true;
          group.committed = commit;
          if (commit) rows += group.added;
        };
        for (const s of steps) {
          if (s.op === "wait") now += s.ms;
          else if (s.op === "remove") rows = Math.max(0, rows - s.rows);
          else if (s.op === "decide") {
            const known = counts.peek("o", now, cap, s.adding);
            // The count waits for the lock: a group that counted and has not ended holds it.
            if (known === undefined && open.some((g) => g.locked && !g.ended)) continue;
            const decision = known === undefined ? counts.counted("o", rows, now) : { base: known };
            // Every row there is or may be committed soon is in the base the group decides from.
            const uncommitted = open.filter((g) => !g.ended).reduce((n, g) => n + g.added, 0);
            expect(decision.base).toBeGreaterThanOrEqual(rows + uncommitted);
            // Under the lock, with only groups that counted unsettled, the count is exact.
            if (known === undefined && open.every((g) => g.locked)) expect(decision.base).toBe(rows);
            const added = Math.max(0, Math.min(s.adding, cap - decision.base));
            const held = counts.hold("o", added, decision);
            open.push({ added, locked: known === undefined, committed: false, ended: false, settle: (created) => held.settle(created) });
          } else {
            const group = open[s.which % Math.max(1, open.length)];
            if (!group) continue;
            if (s.op === "commit") end(group, true);
            else if (s.op === "rollback") end(group, false);
            else if (s.op === "settle") {
              // A transaction is settled after the database has ended it.
              end(group, !s.rolledBack);
              group.settle(group.committed ? group.added : undefined);
              open.splice(open.indexOf(group), 1);
            }
          }
          expect(rows).toBeLessThanOrEqual(cap);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("timestamps", () => {
  it("formats every millisecond like Date#toISOString", () => {
    fc.assert(
      fc.property(fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
    for (const ms of [0, 951_782_400_000, 951_868_799_999, 4_107_542_399_999, 253_402_300_799_999, 253_402_300_800_000, -1]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it("formats runs of times a few days apart, whose dates it keeps, like Date#toISOString", () => {
    const DAY = 86_400_000;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799_999 - 40 * DAY }),
        fc.array(fc.integer({ min: 0, max: 40 * DAY }), { minLength: 1, maxLength: 50 }),
        (base, offsets) => {
          for (const offset of offsets) expect(isoTime(base + offset)).toBe(new Date(base + offset).toISOString());
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe("accept links", () => {
  const viaUrl = (base: string, token: string) => {
    const url = new URL(base);
    url.searchParams.set("token", token);
    return url.toString();
  };

  it("append the token exactly as URLSearchParams does, whatever the page URL", () => {
    const bases = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.constantFrom(
        "http://127.0.0.1:3000/accept",
        "https://app.example.com",
        "https://x.example/a?",
        "https://x.example/a#",
        "https://x.example/a?token=old&b=1",
      ),
    );
    const tokens = fc.oneof(fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), fc.string());
    fc.assert(
      fc.property(bases, tokens, (base, token) => {
        expect(buildAcceptLink(base, token)).toBe(viaUrl(base, token));
        // the second call takes the remembered prefix
        expect(buildAcceptLink(base, token)).toBe(viaUrl(base, token));
      }),
      { numRuns: 2_000 },
    );
  });
});
