/**
 * @module
 * Which token owns which node id (`nodes` in D1). The first token to say `hello` with an id owns it;
 * another token's `hello` with that id is refused while the owner is active, so one node token cannot
 * take over another's node and the leases it holds. Revoking the owner frees the id for a new token
 * (an operator rotating tokens keeps the agent's work dir and its checkpoints).
 */
import { and, eq } from "drizzle-orm";
import { isActive } from "../auth/tokens";
import { database, nowIso } from "../db/client";
import { nodes } from "../db/schema";
import type { Env } from "../env";

/**
 * Binds `nodeId` to `tokenId` if it is free (or its owner was revoked); returns false when another
 * active token owns it.
 * @example
 * if (!(await claimNodeId(env, message.node_id, attachment.token_id, message.name))) socket.close(4010, "…");
 */
export async function claimNodeId(env: Env, nodeId: string, tokenId: string, name: string): Promise<boolean> {
  const db = database(env.DB);
  const now = nowIso();
  await db
    .insert(nodes)
    .values({ id: nodeId, token_id: tokenId, name, first_seen_at: now, last_seen_at: now })
    .onConflictDoNothing()
    .run();
  const row = await db.select().from(nodes).where(eq(nodes.id, nodeId)).get();
  if (!row) return false;
  if (row.token_id !== tokenId) {
    if (await isActive(db, row.token_id)) return false;
    // The owner was revoked: the id passes to this token (compare-and-set against a concurrent claim).
    const moved = await db
      .update(nodes)
      .set({ token_id: tokenId, name, last_seen_at: now })
      .where(and(eq(nodes.id, nodeId), eq(nodes.token_id, row.token_id)))
      .run();
    return moved.meta.changes === 1;
  }
  await db.update(nodes).set({ name, last_seen_at: now }).where(eq(nodes.id, nodeId)).run();
  return true;
}

/** The token that owns a node id, or null for an id never registered. */
export async function ownerOfNode(env: Env, nodeId: string): Promise<string | null> {
  const row = await database(env.DB)
    .select({ token_id: nodes.token_id })
    .from(nodes)
    .where(eq(nodes.id, nodeId))
    .get();
  return row?.token_id ?? null;
}

/** The one node hub Durable Object (sockets, offers, leases), by its fixed name. */
export function nodeHub(env: Env) {
  return env.NODE_HUB.get(env.NODE_HUB.idFromName("hub"));
}
