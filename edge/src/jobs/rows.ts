/**
 * @module
 * Conversion between a `jobs` row and the shared `Job` shape.
 */
import type { Job } from "@distillery/shared";
import type { jobs } from "../db/schema";

export type JobRow = typeof jobs.$inferSelect;

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    spec: row.spec as Job["spec"],
    progress: row.progress as Job["progress"],
    result: (row.result as Job["result"]) ?? null,
    error: (row.error as Job["error"]) ?? null,
    attempts: row.attempts,
    lease:
      row.lease_node_id && row.lease_id && row.lease_expires_at
        ? { node_id: row.lease_node_id, lease_id: row.lease_id, expires_at: row.lease_expires_at }
        : null,
    created_by: row.created_by,
    notify: (row.notify as Job["notify"]) ?? null,
    created_at: row.created_at,
    updated_at: row.updated_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
  };
}
