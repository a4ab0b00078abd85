import { describe, expect, it } from "vitest";
import { contentHash, normalizeUrl } from "./normalize";

describe("normalizeUrl", () => {
  it("treats case, default port, fragment, tracking params, param order and trailing slash as the same page", () => {
    expect(normalizeUrl("HTTPS://WWW.Example.com:443/a/?utm_source=x&b=2&a=1#top")).toBe(
      "https://example.com/a?a=1&b=2",
    );
    expect(normalizeUrl("https://example.com/a")).toBe("https://example.com/a");
    expect(normalizeUrl("http://example.com:80/")).toBe("http://example.com/");
  });

  it("keeps what changes the page: path case and real parameters", () => {
    expect(normalizeUrl("https://example.com/A?id=1")).not.toBe(normalizeUrl("https://example.com/a?id=1"));
    expect(normalizeUrl("https://example.com/a?id=1")).not.toBe(normalizeUrl("https://example.com/a?id=2"));
  });
});

describe("contentHash", () => {
  it("ignores re-wrapping but not a changed word", async () => {
    const a = await contentHash("Title", "one two\n three");
    expect(await contentHash(" Title ", "one  two three")).toBe(a);
    expect(await contentHash("Title", "one two four")).not.toBe(a);
  });
});
