/**
 * @module
 * Request body size limits. JSON bodies are capped (`MAX_JSON_BODY_BYTES`, 10 MiB by default) while
 * being read, so an oversized body is refused with 413 `request.too_large` without being buffered;
 * streaming endpoints (NDJSON, upload parts) set their own, larger caps.
 */
import { DistilleryError } from "@distillery/shared";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

const DEFAULT_JSON_BYTES = 10 * 1024 * 1024;

/** Caps the body at `maxBytes` (or the `MAX_JSON_BODY_BYTES` var). */
export function limitBody(maxBytes?: number) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const limit = maxBytes ?? (Number(c.env.MAX_JSON_BODY_BYTES) || DEFAULT_JSON_BYTES);
    return bodyLimit({
      maxSize: limit,
      onError: () => {
        throw new DistilleryError("request.too_large", `request body is larger than ${limit} bytes`, {
          status: 413,
        });
      },
    })(c, next);
  });
}
