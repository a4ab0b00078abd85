/**
 * @module
 * The audit log: who (token, and the chat user behind a bot token) started, changed or cancelled
 * what. Written in the same request as the change it records.
 */
import type { AuthContext } from "./auth/tokens";
import type { Database } from "./db/client";
import { auditLog } from "./db/schema";

export type AuditEvent = {
  action: string;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
};

/** Records one audited action by `auth` (or by `system` when no token was involved). */
export async function recordAudit(db: Database, auth: AuthContext | null, event: AuditEvent): Promise<void> {
  await db.insert(auditLog).values({
    token_id: auth?.tokenId ?? null,
    actor: auth ? `${auth.role}:${auth.name}` : "system",
    discord_user: auth?.discordUser ?? null,
    action: event.action,
    target_type: event.targetType,
    target_id: event.targetId,
    details: event.details ?? null,
  });
}
