/**
 * End-to-end over HTTP: a real `wrangler dev` (edge/scripts/dev.sh on a test port and a temp data
 * folder), a token made by `distillery tokens create` on the local data, the shared client, the
 * event stream, and `distillery import articles` resuming an interrupted upload.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DistilleryClient, DistilleryError, jobEventSchema } from "@distillery/shared";
import { startWranglerDev, type WranglerDev } from "@distillery/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../io";
import { runCli } from "../program";
import { importArticles, stateFileFor } from "./import-articles";

const PORT = 8793;
const EDGE = `http://127.0.0.1:${PORT}`;
const DEV_SCRIPT = fileURLToPath(new URL("../../../edge/scripts/dev.sh", import.meta.url));

let dataDir: string;
let server: WranglerDev | undefined;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  const code = await runCli(["node", "distillery", ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "distillery-edge-http-"));
  server = await startWranglerDev({
    command: "bash",
    args: [DEV_SCRIPT],
    port: PORT,
    env: { PORT: String(PORT), DISTILLERY_HOME: dataDir },
    timeoutMs: 60_000,
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("the edge over HTTP", () => {
  it("makes tokens on local data with no token, and enforces them", async () => {
    const created = await cli(
      "tokens",
      "create",
      "--role",
      "submitter",
      "--name",
      "o'brien",
      "--data-dir",
      dataDir,
    );
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^dst_[A-Za-z0-9_-]{43}$/);
    const client = new DistilleryClient({ baseUrl: EDGE, token });
    const result = await client.submitArticle({
      url: "https://http.example/1",
      title: "Over HTTP",
      body: "A body.",
      language: "en",
      source: "http",
    });
    expect(result.created).toBe(true);

    const listed = await cli("tokens", "list", "--json", "--data-dir", dataDir);
    const info = listed.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const mine = info.find((t) => t.name === "o'brien");
    expect(mine).toMatchObject({ role: "submitter", revoked_at: null });
    expect(JSON.stringify(info)).not.toContain(token);

    expect((await cli("tokens", "revoke", mine.id, "--data-dir", dataDir)).code).toBe(0);
    // The edge caches token lookups for a few seconds; poll until the revocation shows.
    let refused: unknown;
    for (let i = 0; i < 40 && !refused; i++) {
      refused = await client.getArticle(result.id).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(refused).toBeInstanceOf(DistilleryError);
    expect((refused as DistilleryError).code).toBe("auth.invalid_token");
  }, 60_000);

  it("imports a file after an interrupted upload, and streams the job's events", async () => {
    const admin = (await cli("tokens", "create", "--role", "admin", "--data-dir", dataDir)).stdout.trim();
    const client = new DistilleryClient({ baseUrl: EDGE, token: admin });
    const lines: string[] = [];
    // Over one 8 MiB part, so the upload has two parts.
    for (let i = 0; i < 3_000; i++) {
      lines.push(
        JSON.stringify({
          url: `https://bulk.example/${i}`,
          title: `Bulk ${i}`,
          body: `Article ${i} body. `.repeat(160),
          language: i % 2 ? "en" : "nl",
          source: "bulk",
        }),
      );
    }
    lines.splice(41, 0, '{"url": "https://bulk.example/broken"');
    const file = join(dataDir, "corpus.ndjson");
    await writeFile(file, `${lines.join("\n")}\n`);

    // An earlier run that stopped after the first part.
    const upload = await client.createUpload("corpus.ndjson");
    const { readFile, stat } = await import("node:fs/promises");
    const bytes = await readFile(file);
    expect(bytes.length).toBeGreaterThan(upload.part_bytes);
    await client.uploadPart(upload.id, 1, bytes.subarray(0, upload.part_bytes));
    const info = await stat(file);
    await writeFile(
      stateFileFor(file),
      JSON.stringify({ edge: EDGE, size: info.size, mtime_ms: info.mtimeMs, upload_id: upload.id }),
    );

    const events: string[] = [];
    const { url, headers } = client.eventsEndpoint();
    const socket = new WebSocket(url, { headers } as unknown as string[]);
    socket.addEventListener("message", (event) => {
      const parsed = jobEventSchema.parse(JSON.parse(String(event.data)));
      if (parsed.type === "job.updated" && parsed.job.kind === "import") events.push(parsed.job.state);
    });
    await new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve);
      socket.addEventListener("error", reject);
    });

    const io = memoryIo();
    const result = await importArticles(file, { edge: EDGE, token: admin, pollMs: 200, progress: false }, io);
    expect(io.stderr()).toContain(`resuming upload ${upload.id} (1 parts already there)`);
    expect(result).toMatchObject({ lines: 3_001, created: 3_000, existing: 0, rejected: 1 });
    expect(io.stderr()).toContain(`${file}:42: (root): invalid JSON`);
    const stored = await client.listArticles({ source: "bulk", limit: 500 });
    expect(stored.items).toHaveLength(500);

    for (let i = 0; i < 40 && !events.includes("succeeded"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(events).toContain("running");
    expect(events.at(-1)).toBe("succeeded");
    const closed = new Promise((resolve) => socket.addEventListener("close", resolve));
    socket.close(1000, "done");
    await closed;
  }, 120_000);

  it("serves the OpenAPI document", async () => {
    const document = (await (await fetch(`${EDGE}/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        "/v1/articles",
        "/v1/articles/batch",
        "/v1/jobs",
        "/v1/webhooks/articles",
        "/v1/filters",
      ]),
    );
  });
});
