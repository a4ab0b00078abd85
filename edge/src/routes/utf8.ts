/**
 * @module
 * Request bodies must be valid UTF-8. `Request.text()`/`.json()` replace invalid bytes with U+FFFD,
 * which would store text the sender never wrote; here bodies are decoded with a fatal decoder and
 * invalid bytes are a 400 `request.invalid_utf8` naming where they are. `utf8Body()` checks a JSON
 * body before its route's validator reads it; `decodeUtf8` serves routes that read bytes themselves
 * (webhooks, which verify the signature on the exact bytes first).
 */
import { DistilleryError } from "@distillery/shared";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (or -1). */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index++;
      continue;
    }
    // Each lead byte's sequence length and the allowed range of its first continuation byte
    // (which excludes overlong forms and surrogates, as RFC 3629 requires).
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return index;
    for (let offset = 1; offset < length; offset++) {
      const byte = bytes[index + offset];
      if (byte === undefined) return index;
      if (offset === 1 ? byte < low || byte > high : byte < 0x80 || byte > 0xbf) return index;
    }
    index += length;
  }
  return -1;
}

/** The issue text for bytes that are not UTF-8, e.g. `not valid UTF-8 (byte 17)`. */
export function invalidUtf8Issue(bytes: Uint8Array): string {
  return `not valid UTF-8 (byte ${firstInvalidUtf8Byte(bytes)}); send text encoded as UTF-8`;
}

/**
 * Decodes `bytes` as UTF-8 or throws 400 `request.invalid_utf8` with `path` in its details.
 * @example
 * const text = decodeUtf8(new Uint8Array(await c.req.arrayBuffer()), "(body)");
 */
export function decodeUtf8(bytes: Uint8Array, path = "(body)"): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    const issue = invalidUtf8Issue(bytes);
    throw new DistilleryError("request.invalid_utf8", `request body is ${issue}`, {
      status: 400,
      details: [{ path, issue }],
    });
  }
}

/**
 * Middleware: the body must be valid UTF-8. Put it after `limitBody()` so the size cap applies while
 * reading; Hono keeps the bytes read here for the route's JSON validator, so the body is read once.
 */
export function utf8Body() {
  return createMiddleware<AppEnv>(async (c, next) => {
    decodeUtf8(new Uint8Array(await c.req.arrayBuffer()));
    await next();
  });
}
