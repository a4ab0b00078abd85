/**
 * @module
 * Bulk-import uploads: an NDJSON file goes to R2 as a multipart upload, one part per request (every
 * part but the last exactly `IMPORT_PART_BYTES`, an R2 rule), so no request comes near the Workers
 * body cap. The parts done are recorded in D1, so an interrupted client asks which parts are there
 * and sends only the rest. Re-sending a part replaces it.
 */
import { DistilleryError, type Upload, type UploadPart } from "@distillery/shared";
import { eq } from "drizzle-orm";
import type { AuthContext } from "../auth/tokens";
import { edgeConfig } from "../config";
import { database, newId, nowIso } from "../db/client";
import { uploads } from "../db/schema";
import type { Env } from "../env";
import { notFound } from "../errors";

type UploadRow = typeof uploads.$inferSelect;

/** R2 refuses multipart parts (but the last) under 5 MiB. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

/** The part size this edge requires (the `IMPORT_PART_BYTES` setting, default 8 MiB, at least 5 MiB). */
export function partBytes(env: Env): number {
  return Math.max(MIN_PART_BYTES, edgeConfig(env).IMPORT_PART_BYTES);
}

function uploadFromRow(env: Env, row: UploadRow): Upload {
  const parts = (row.parts as UploadPart[]).slice().sort((a, b) => a.part_number - b.part_number);
  return {
    id: row.id,
    state: row.state,
    filename: row.filename,
    part_bytes: partBytes(env),
    parts,
    bytes: parts.reduce((sum, p) => sum + p.bytes, 0),
    created_at: row.created_at,
  };
}

async function uploadRow(env: Env, id: string): Promise<UploadRow> {
  const row = await database(env.DB).select().from(uploads).where(eq(uploads.id, id)).get();
  if (!row) throw notFound("upload", id);
  return row;
}

export async function createUpload(
  env: Env,
  auth: AuthContext,
  filename: string | undefined,
): Promise<Upload> {
  const id = newId("upl");
  const key = `imports/${id}.ndjson`;
  const multipart = await env.BUCKET.createMultipartUpload(key, {
    httpMetadata: { contentType: "application/x-ndjson" },
  });
  const row = await database(env.DB)
    .insert(uploads)
    .values({
      id,
      object_key: key,
      multipart_upload_id: multipart.uploadId,
      state: "uploading",
      parts: [],
      filename: filename ?? null,
      created_by: `${auth.role}:${auth.name}`,
      created_at: nowIso(),
    })
    .returning()
    .get();
  return uploadFromRow(env, row);
}

export async function getUpload(env: Env, id: string): Promise<Upload> {
  return uploadFromRow(env, await uploadRow(env, id));
}

function assertUploading(row: UploadRow): string {
  if (row.state !== "uploading" || !row.multipart_upload_id) {
    throw new DistilleryError(
      "upload.not_uploading",
      `upload ${row.id} is ${row.state}; start a new upload`,
      {
        status: 409,
      },
    );
  }
  return row.multipart_upload_id;
}

/** Stores part `partNumber`; every part but the last must be exactly `IMPORT_PART_BYTES`. */
export async function putPart(
  env: Env,
  id: string,
  partNumber: number,
  body: ArrayBuffer,
): Promise<UploadPart> {
  const row = await uploadRow(env, id);
  const multipartId = assertUploading(row);
  const size = partBytes(env);
  if (body.byteLength === 0 || body.byteLength > size) {
    throw new DistilleryError(
      "upload.part_size",
      `part ${partNumber} has ${body.byteLength} bytes; send 1 to ${size} bytes per part`,
      { status: 400, details: [{ path: "body", issue: `${body.byteLength} bytes` }] },
    );
  }
  const multipart = env.BUCKET.resumeMultipartUpload(row.object_key, multipartId);
  const uploaded = await multipart.uploadPart(partNumber, body);
  const part: UploadPart = { part_number: partNumber, etag: uploaded.etag, bytes: body.byteLength };
  // Replace any earlier copy of this part in one statement, so concurrent parts do not lose each other.
  await env.DB.prepare(
    `UPDATE uploads SET parts = (
       SELECT json_group_array(json(value)) FROM (
         SELECT value FROM json_each(uploads.parts) WHERE json_extract(value, '$.part_number') != ?1
         UNION ALL SELECT ?2 AS value))
     WHERE id = ?3`,
  )
    .bind(partNumber, JSON.stringify(part), id)
    .run();
  return part;
}

/** Joins the parts into the final object; parts must be 1..N with no gaps and full-size but the last. */
export async function completeUpload(env: Env, id: string): Promise<Upload> {
  const row = await uploadRow(env, id);
  if (row.state === "complete") return uploadFromRow(env, row);
  const multipartId = assertUploading(row);
  const upload = uploadFromRow(env, row);
  const details = upload.parts.flatMap((p, i) => {
    const issues = [];
    if (p.part_number !== i + 1) issues.push({ path: `parts[${i}]`, issue: `part ${i + 1} is missing` });
    if (i < upload.parts.length - 1 && p.bytes !== upload.part_bytes)
      issues.push({
        path: `parts[${i}]`,
        issue: `part ${p.part_number} has ${p.bytes} bytes, expected ${upload.part_bytes}`,
      });
    return issues;
  });
  if (upload.parts.length === 0) details.push({ path: "parts", issue: "no parts uploaded" });
  if (details.length > 0) {
    throw new DistilleryError("upload.incomplete", `upload ${id} cannot be completed: ${details[0]?.issue}`, {
      status: 409,
      details,
    });
  }
  const multipart = env.BUCKET.resumeMultipartUpload(row.object_key, multipartId);
  await multipart.complete(upload.parts.map((p) => ({ partNumber: p.part_number, etag: p.etag })));
  const done = await database(env.DB)
    .update(uploads)
    .set({ state: "complete", bytes: upload.bytes })
    .where(eq(uploads.id, id))
    .returning()
    .get();
  return uploadFromRow(env, done);
}
