/**
 * @module
 * `Content-Disposition: attachment` built safely for any file name (RFC 6266): a name that is plain
 * printable ASCII is sent quoted as it is; any other name gets an ASCII fallback with the unsafe
 * characters replaced, plus the exact name percent-encoded in `filename*` (RFC 8187). A quote, a
 * semicolon or a CR/LF in a name can therefore never end the parameter or the header.
 */

const UNSAFE_IN_QUOTED_NAME = /[^\x20-\x7e]|["\\%;]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The header value that offers a download named `filename`.
 * @example
 * attachmentDisposition("mdl_abc.tar.gz"); // 'attachment; filename="mdl_abc.tar.gz"'
 * attachmentDisposition('a"b.csv'); // 'attachment; filename="a_b.csv"; filename*=UTF-8\'\'a%22b.csv'
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(UNSAFE_IN_QUOTED_NAME, "_");
  if (fallback === filename) return `attachment; filename="${filename}"`;
  const exact = encodeURIComponent(filename.replace(LONE_SURROGATE, "\uFFFD")).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}
