/**
 * @module
 * Request body size limits. JSON bodies are capped (the `MAX_JSON_BODY_BYTES` setting of `edgeConfig`,
 * 10 MiB by default) while
 * being read, so an oversized body is refused with 413 `request.too_large` without being buffered;
 * streaming endpoints (NDJSON, upload parts) set their own, larger caps.
 */
import { DistilleryError } from "@distillery/shared";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { edgeConfig } from "../config";
import type { AppEnv } from "../env";

/** Caps the body at `maxBytes` (or the `MAX_JSON_BODY_BYTES` setting). */
export function limitBody(maxBytes?: number) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const limit = maxBytes ?? edgeConfig(c.env).MAX_JSON_BODY_BYTES;
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
