/**
 * @module
 * Helpers every router uses so routes stay short and alike: `createRouter` (validation failures
 * become `request.invalid` through `app.onError`), the shared error responses, JSON body/response
 * declarations and the bearer security requirement for the OpenAPI document.
 */

import { errorBodySchema } from "@distillery/shared";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { validationError } from "../errors";

/** A router whose request validation throws, so `app.onError` is the one place errors are shaped. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
}

const errorContent = { "application/json": { schema: errorBodySchema } };

/** The error responses every authenticated route may give. */
export const errorResponses = {
  400: { description: "Invalid request; `details` names each field and problem", content: errorContent },
  401: { description: "Missing, unknown or revoked bearer token", content: errorContent },
  403: { description: "The token's role may not do this", content: errorContent },
  404: { description: "Not found", content: errorContent },
  409: { description: "Conflicts with the current state", content: errorContent },
  413: { description: "Request body too large", content: errorContent },
} as const;

/** A JSON request body declaration. */
export function jsonBody<S extends z.ZodType>(schema: S, description = "JSON body") {
  return { required: true, description, content: { "application/json": { schema } } } as const;
}

/** A JSON response declaration. */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

export const bearerSecurity = [{ bearer: [] as string[] }];
