import { readFileSync } from "node:fs";

/**
 * The LoginRadius seed document (`../shared/seeds/000_9fce297c75aba87c.txt`), read as it is:
 * the curl example's URL and body bytes, and the example answers that follow it.
 */
const SEED_FILE = new URL("../../../../shared/seeds/000_9fce297c75aba87c.txt", import.meta.url);

function jsonBlocks(text: string): string[] {
  const blocks: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === "{") {
      if (depth === 0) start = i;
      depth += 1;
    } else if (c === "}") {
      depth -= 1;
      if (depth === 0) blocks.push(text.slice(start, i + 1));
    }
  }
  return blocks;
}

export function readSeed() {
  const text = readFileSync(SEED_FILE, "utf8");
  const curl = /curl -X POST "([^"]+)"[^\n]*?-d '([^']*)'/.exec(text);
  if (!curl?.[1] || curl[2] === undefined) throw new Error("the seed's curl example was not found");
  const examples = jsonBlocks(text.slice(curl.index + curl[0].length)).map((block) => JSON.parse(block) as Record<string, unknown>);
  const [success, postBodyInvalid, unauthorized, organizationNotFound, alreadyMember, internalError] = examples;
  if (!success || !postBodyInvalid || !unauthorized || !organizationNotFound || !alreadyMember || !internalError) {
    throw new Error(`the seed should carry six example answers, found ${examples.length}`);
  }
  const origin = new URL(curl[1]).origin;
  return {
    /** `/v2/manage/invitations?invitation_url=https%3A%2F%2Fexample.com%2Faccept-invite`, as written. */
    pathAndQuery: curl[1].slice(origin.length),
    body: curl[2],
    answers: { success, postBodyInvalid, unauthorized, organizationNotFound, alreadyMember, internalError },
  };
}
