import type { Client } from "../helpers/harness.js";

export interface Invited {
  id: string;
  email: string;
  acceptUrl: string | null;
  status: string;
}

/** A small, realistic tenant: a brand, two organizations, three roles and an inviter. */
export async function seedTenant(api: Client) {
  const must = <T>(answer: { status: number; body: T; text: string }, expected: number): T => {
    if (answer.status !== expected) throw new Error(`seeding failed (${answer.status}): ${answer.text}`);
    return answer.body;
  };
  must(await api.patch("/v1/settings", { brandName: "Northwind" }), 200);
  const acme = must(await api.post<{ id: string; name: string }>("/v1/organizations", { name: "Acme Robotics" }), 201);
  const globex = must(await api.post<{ id: string; name: string }>("/v1/organizations", { name: "Globex Research" }), 201);
  const roles: Record<string, string> = {};
  for (const name of ["Admin", "Editor", "Viewer"]) {
    roles[name] = must(await api.post<{ id: string }>("/v1/roles", { name, description: `${name} role` }), 201).id;
  }
  const inviter = must(await api.post<{ id: string }>("/v1/users", { email: "ada@northwind.example", name: "Ada Lovelace" }), 201);
  const invite = async (email: string, extra: Record<string, unknown> = {}): Promise<Invited> =>
    must(
      await api.post<Invited>("/v1/invitations", {
        organizationId: acme.id,
        email,
        inviterUserId: inviter.id,
        roleIds: [roles.Editor],
        ...extra,
      }),
      201,
    );
  return { acme, globex, roles, inviterId: inviter.id, invite };
}
