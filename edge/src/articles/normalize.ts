/**
 * @module
 * What makes two submissions "the same article": the normalized URL plus a hash of the content. A
 * resubmission with both equal returns the stored id; the same URL with changed content is a new
 * version and gets its own id.
 */
import { sha256Hex } from "@distillery/shared";

/** Query parameters that only track the click, never change the page. */
const TRACKING_PARAMS = /^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ref_src|_hsenc|_hsmi)$/i;

/**
 * Lower-cases scheme and host, drops default ports, fragments, tracking parameters and a trailing
 * slash, and sorts the remaining query parameters.
 *
 * @example
 * normalizeUrl("HTTPS://Example.com:443/a/?utm_source=x&b=2&a=1#top") // "https://example.com/a?a=1&b=2"
 */
export function normalizeUrl(raw: string): string {
  const url = new URL(raw);
  url.hash = "";
  url.hostname = url.hostname.toLowerCase().replace(/^www\./, "");
  if ((url.protocol === "https:" && url.port === "443") || (url.protocol === "http:" && url.port === "80")) {
    url.port = "";
  }
  const kept = [...url.searchParams].filter(([key]) => !TRACKING_PARAMS.test(key));
  kept.sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a.localeCompare(b)));
  url.search = new URLSearchParams(kept).toString();
  let text = url.toString();
  if (url.pathname.length > 1 && url.pathname.endsWith("/") && !url.search) text = text.replace(/\/$/, "");
  else if (url.pathname.length > 1 && url.pathname.endsWith("/")) text = text.replace(/\/\?/, "?");
  return text;
}

/** Hex SHA-256 of title and body with whitespace collapsed, so re-wrapped text hashes the same. */
export async function contentHash(title: string, body: string): Promise<string> {
  const text = `${title.trim().replace(/\s+/g, " ")}\n${body.trim().replace(/\s+/g, " ")}`;
  return sha256Hex(text);
}
