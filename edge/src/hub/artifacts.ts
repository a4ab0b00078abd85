/**
 * @module
 * Trained adapters (.tar.gz) in R2, sha256-checked. An upload is taken only from the node holding the
 * lease of the train job that makes the model (the node's id bound to the uploader's token), up to
 * `ARTIFACT_MAX_BYTES` (default 2 GiB); a registered model's artifact never changes (409). The same
 * bytes again under the same lease are a retry (200); the first upload is 201.
 *
 * @example
 * const { status, receipt } = await uploadArtifact(env, { modelId, sha256, contentLength, leaseId, tokenId, body });
 */
import { DistilleryError, NODE_LEASE_HEADER } from "@distillery/shared";
import { eq } from "drizzle-orm";
import { edgeConfig } from "../config";
import { database } from "../db/client";
import { studentModels } from "../db/schema";
import type { Env } from "../env";
import { modelIdForTrainJob } from "./context";
import { artifactKey } from "./finalize";
import { shardByLease } from "./leases";
import { ownerOfNode } from "./nodes";

/** An upload as received: the headers the node sent (unchecked) and the body. */
type ArtifactUpload = {
  modelId: string;
  /** `x-content-sha256`. */
  sha256: string | undefined;
  /** `content-length`. */
  contentLength: string | undefined;
  /** `NODE_LEASE_HEADER`. */
  leaseId: string | undefined;
  /** The id of the uploader's token. */
  tokenId: string;
  body: ReadableStream<Uint8Array> | null;
};

type ArtifactReceipt = { model_id: string; sha256: string; bytes: number };

/** Checks and stores an upload; `status` is 201 for a new artifact, 200 for a retry of the same bytes. */
export async function uploadArtifact(
  env: Env,
  upload: ArtifactUpload,
): Promise<{ status: 200 | 201; receipt: ArtifactReceipt }> {
  const { modelId, leaseId } = upload;
  const expected = upload.sha256?.toLowerCase();
  if (!expected || !/^[0-9a-f]{64}$/.test(expected)) {
    throw new DistilleryError(
      "artifact.checksum_missing",
      "send the archive's sha256 (hex) in x-content-sha256",
      {
        details: [{ path: "x-content-sha256", issue: "missing or not 64 hex digits" }],
      },
    );
  }
  const maxBytes = edgeConfig(env).ARTIFACT_MAX_BYTES;
  const length = Number(upload.contentLength ?? Number.NaN);
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new DistilleryError("artifact.length_required", "send the archive with a Content-Length header", {
      status: 411,
    });
  }
  if (length > maxBytes) {
    throw new DistilleryError(
      "artifact.too_large",
      `the archive is ${length} bytes; artifacts may be at most ${maxBytes} bytes (ARTIFACT_MAX_BYTES)`,
      { status: 413 },
    );
  }
  if (!leaseId) {
    throw new DistilleryError(
      "artifact.lease_required",
      `send the lease id of the train job's offer in ${NODE_LEASE_HEADER}`,
      { details: [{ path: NODE_LEASE_HEADER, issue: "missing" }] },
    );
  }
  const db = database(env.DB);
  const registered = await db
    .select({ sha256: studentModels.artifact_sha256 })
    .from(studentModels)
    .where(eq(studentModels.id, modelId))
    .get();
  if (registered?.sha256) {
    throw new DistilleryError(
      "artifact.exists",
      `model ${modelId} is registered with artifact ${registered.sha256}; a model's artifact never changes (train a new model)`,
      { status: 409 },
    );
  }
  const shard = await shardByLease(env, leaseId);
  const holds =
    shard?.state === "leased" &&
    shard.node_id !== null &&
    modelIdForTrainJob(shard.job_id) === modelId &&
    (await ownerOfNode(env, shard.node_id)) === upload.tokenId;
  if (!holds) {
    throw new DistilleryError(
      "artifact.lease_not_held",
      `lease ${leaseId} is not a live lease of the train job of model ${modelId} held by a node of this token`,
      { status: 403 },
    );
  }
  const key = artifactKey(modelId);
  const current = await env.BUCKET.head(key);
  if (current?.customMetadata?.lease_id === leaseId) {
    // Uploaded under this lease already: the same bytes again is a retry, other bytes are refused.
    if (current.customMetadata.sha256 === expected) {
      return { status: 200, receipt: { model_id: modelId, sha256: expected, bytes: current.size } };
    }
    throw new DistilleryError(
      "artifact.exists",
      `model ${modelId} already has artifact ${current.customMetadata.sha256} from this lease`,
      { status: 409 },
    );
  }
  const digest = await storeVerified(env.BUCKET, key, upload.body, length, expected, leaseId);
  return { status: 201, receipt: { model_id: modelId, sha256: digest, bytes: length } };
}

/**
 * Streams an upload of `length` bytes into R2 while hashing it, so an artifact is never held in memory
 * whole; deletes it again and throws `artifact.checksum` when its sha256 is not `expected`.
 */
async function storeVerified(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array> | null,
  length: number,
  expected: string,
  leaseId: string,
): Promise<string> {
  if (!body) throw new DistilleryError("request.empty", "the archive is empty");
  const [toStore, toHash] = body.tee();
  const hasher = new crypto.DigestStream("SHA-256");
  const hashed = toHash.pipeTo(hasher);
  const sized = new FixedLengthStream(length);
  const piped = toStore.pipeTo(sized.writable);
  await bucket.put(key, sized.readable, {
    httpMetadata: { contentType: "application/gzip" },
    customMetadata: { sha256: expected, lease_id: leaseId },
  });
  await Promise.all([hashed, piped]);
  const digest = [...new Uint8Array(await hasher.digest)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  if (digest !== expected) {
    await bucket.delete(key);
    throw new DistilleryError(
      "artifact.checksum",
      `the body's sha256 is ${digest}, not ${expected}; upload it again`,
      { details: [{ path: "x-content-sha256", issue: "does not match the body" }] },
    );
  }
  return digest;
}

/** The model's artifact with its size and sha256, or 404 `artifact.not_found`. */
export async function readArtifact(env: Env, modelId: string): Promise<R2ObjectBody> {
  const object = await env.BUCKET.get(artifactKey(modelId));
  if (!object)
    throw new DistilleryError("artifact.not_found", `model ${modelId} has no artifact`, { status: 404 });
  return object;
}
