/**
 * @module
 * The Gemini API stand-in: a Node HTTP server speaking enough of the Gemini Developer API (v1beta)
 * for the real `@google/genai` SDK to run against it unchanged through `httpOptions.baseUrl`:
 * `models/{model}:generateContent`, `:countTokens`, Batch Mode (`:batchGenerateContent`,
 * `batches/{id}`, `:cancel`, inline or file input) and the Files API (resumable upload, download).
 * It checks the `x-goog-api-key` header, answers deterministically, injects configured faults and
 * counts calls per article so tests can prove no article was paid for twice. Control routes under
 * `/__standin/` let a test in another process read the counters and change the faults.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ScoringMode } from "./answer";
import { BatchStore } from "./batches";
import { DEFAULT_FAULT_SETTINGS, FaultPicker, type FaultSettings, TRANSIENT_FAULTS } from "./faults";
import {
  type AnswerContext,
  type GenerateContentRequest,
  type GoogleError,
  generateAnswer,
  googleError,
  requestError,
  splitPrompt,
  transportError,
} from "./generate";
import { knobPatch, type ScoreKnobs, ScorePerturber } from "./knobs";
import { StandinStats } from "./stats";

/** Everything `configure` and `POST /__standin/config` can change at run time. */
export type StandinSettings = FaultSettings & ScoreKnobs;

export type GeminiStandinOptions = Partial<StandinSettings> & {
  port?: number;
  host?: string;
  /** When set, only this key is accepted (others get 400 API_KEY_INVALID). Any non-empty key otherwise. */
  apiKey?: string;
  /** Smallest prefix, in tokens, reported as cached when repeated (Gemini 2.5 Flash: 1,024). */
  minCacheTokens?: number;
  /** Polls of `batches/{id}` before a batch reports success (0: done at creation). */
  batchPollsToComplete?: number;
  /** `hash` (default): scores spread at random over tiers; `lexical`: learnable from the wording. */
  scoring?: ScoringMode;
};

export type GeminiStandin = {
  url: string;
  port: number;
  stats: StandinStats;
  configure(settings: Partial<StandinSettings>): void;
  close(): Promise<void>;
};

const MODEL_ROUTE = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|countTokens|batchGenerateContent)$/;
const BATCH_ROUTE = /^\/(v1beta|v1)\/batches\/([^/:]+)(:cancel)?$/;
const FILE_ROUTE = /^\/(?:download\/)?(v1beta|v1)\/files\/([^/:]+)(:download)?$/;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
  response.end(text);
}

function sendError(response: ServerResponse, error: GoogleError) {
  send(response, error.status, error.body, error.headers);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the stand-in; `port: 0` picks a free port.
 * @example
 * const gemini = await startGeminiStandin({ port: 8820, faultRate: 0.05 });
 * const ai = new GoogleGenAI({ apiKey: "test", apiVersion: "v1beta", httpOptions: { baseUrl: gemini.url } });
 */
export async function startGeminiStandin(options: GeminiStandinOptions = {}): Promise<GeminiStandin> {
  const {
    port = 0,
    host = "127.0.0.1",
    apiKey,
    minCacheTokens = 1024,
    batchPollsToComplete = 1,
    scoring = "hash",
  } = options;
  const settings: FaultSettings = { ...DEFAULT_FAULT_SETTINGS };
  for (const key of Object.keys(DEFAULT_FAULT_SETTINGS) as (keyof FaultSettings)[]) {
    if (options[key] !== undefined) Object.assign(settings, { [key]: options[key] });
  }
  const faults = new FaultPicker(settings);
  const stats = new StandinStats();
  const knobs = new ScorePerturber(knobPatch(options));
  const cache: AnswerContext = { seenPrefixes: new Set(), minCacheTokens, scoring, knobs };
  let baseUrl = "";
  const batches = new BatchStore({ faults, stats, cache, pollsToComplete: batchPollsToComplete });

  function checkKey(request: IncomingMessage): GoogleError | null {
    const key = request.headers["x-goog-api-key"];
    if (typeof key !== "string" || key === "") {
      return googleError(403, "Method doesn't allow unregistered callers. Please use an API key.");
    }
    if (apiKey !== undefined && key !== apiKey) {
      return googleError(400, "API key not valid. Please pass a valid API key.");
    }
    return null;
  }

  async function generateContent(request: IncomingMessage, response: ServerResponse, model: string) {
    const body = JSON.parse((await readBody(request)).toString("utf8")) as GenerateContentRequest;
    const { key } = splitPrompt(body);
    const refused = requestError(body, model);
    if (refused) {
      stats.begin(key, null)();
      return sendError(response, refused);
    }
    const fault = faults.next();
    const finish = stats.begin(key, fault);
    try {
      const { latencyMs, retryAfterS, slowMs, hangMs } = faults.current;
      if (latencyMs > 0) await delay(latencyMs);
      if (fault === "slow") await delay(slowMs);
      if (fault === "hang") {
        if (hangMs > 0) await delay(hangMs);
        else await new Promise((resolve) => request.socket.once("close", resolve));
        request.socket.destroy();
        return;
      }
      const failure = fault ? transportError(fault, retryAfterS) : null;
      if (failure) return sendError(response, failure);
      const answer = generateAnswer(body, model, fault, cache);
      const [candidate] = answer.candidates as { finishReason?: string }[];
      const cut = candidate?.finishReason === "MAX_TOKENS";
      stats.answered(key, (fault === null || fault === "slow") && !cut);
      send(response, 200, answer);
    } finally {
      finish();
    }
  }

  async function route(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", baseUrl);
    const method = request.method ?? "GET";
    if (url.pathname.startsWith("/__standin/")) return control(request, response, url.pathname);
    const keyError = checkKey(request);
    if (keyError) return sendError(response, keyError);
    const model = MODEL_ROUTE.exec(url.pathname);
    if (model && method === "POST") {
      const [, , name = "", action] = model;
      if (action === "generateContent") return generateContent(request, response, name);
      const body = JSON.parse((await readBody(request)).toString("utf8") || "{}");
      if (action === "countTokens") {
        const { prefix, article } = splitPrompt(body.generateContentRequest ?? body);
        return send(response, 200, { totalTokens: Math.ceil((prefix.length + article.length) / 4) });
      }
      return send(response, 200, batches.create(name, body.batch ?? {}));
    }
    const batch = BATCH_ROUTE.exec(url.pathname);
    if (batch) {
      const [, , id = "", cancel] = batch;
      if (cancel && method === "POST") return send(response, 200, batches.cancel(id) ?? {});
      if (method === "DELETE") return send(response, 200, batches.remove(id) ?? {});
      const found = batches.get(id);
      if (!found) return sendError(response, googleError(404, `Batch batches/${id} not found.`));
      return send(response, 200, found);
    }
    if (url.pathname === "/upload/v1beta/files" && method === "POST") return upload(request, response, url);
    const file = FILE_ROUTE.exec(url.pathname);
    if (file && method === "GET") {
      const [, , id = "", download] = file;
      const stored = batches.files.get(id);
      if (!stored) return sendError(response, googleError(404, `File files/${id} not found.`));
      if (download) {
        response.writeHead(200, { "content-type": String(stored.meta.mimeType) });
        return response.end(stored.bytes);
      }
      return send(response, 200, stored.meta);
    }
    return sendError(response, googleError(404, `No route for ${method} ${url.pathname}.`));
  }

  async function upload(request: IncomingMessage, response: ServerResponse, url: URL) {
    const command = String(request.headers["x-goog-upload-command"] ?? "");
    const body = await readBody(request);
    if (command === "start") {
      const uploadId = randomUUID();
      const meta = JSON.parse(body.toString("utf8") || "{}");
      const mimeType = String(request.headers["x-goog-upload-header-content-type"] ?? "application/jsonl");
      batches.pendingUploads.set(uploadId, { meta: meta.file ?? {}, mimeType, chunks: [] });
      return send(
        response,
        200,
        {},
        {
          "x-goog-upload-url": `${baseUrl}/upload/v1beta/files?upload_id=${uploadId}`,
          "x-goog-upload-status": "active",
        },
      );
    }
    const pending = batches.pendingUploads.get(url.searchParams.get("upload_id") ?? "");
    if (!pending) return sendError(response, googleError(404, "Unknown upload session."));
    pending.chunks.push(body);
    if (!command.includes("finalize")) return send(response, 200, {}, { "x-goog-upload-status": "active" });
    const file = batches.storeFile(Buffer.concat(pending.chunks), pending.mimeType, pending.meta.displayName);
    return send(response, 200, { file }, { "x-goog-upload-status": "final" });
  }

  async function control(request: IncomingMessage, response: ServerResponse, path: string) {
    if (path === "/__standin/stats") return send(response, 200, stats.summary());
    if (path === "/__standin/config" && request.method === "POST") {
      const patch = JSON.parse(
        (await readBody(request)).toString("utf8") || "{}",
      ) as Partial<StandinSettings>;
      configure(patch);
      return send(response, 200, { ...faults.current, ...knobs.current });
    }
    if (path === "/__standin/reset" && request.method === "POST") {
      stats.reset();
      return send(response, 200, { ok: true });
    }
    return sendError(response, googleError(404, `No control route ${path}.`));
  }

  function configure(patch: Partial<StandinSettings>) {
    const faultPart = Object.fromEntries(
      Object.entries(patch).filter(([key]) => key in DEFAULT_FAULT_SETTINGS),
    ) as Partial<FaultSettings>;
    if (Object.keys(faultPart).length > 0) faults.update({ ...faults.current, ...faultPart });
    knobs.update(knobPatch(patch));
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendError(response, googleError(400, `Invalid JSON payload received: ${(error as Error).message}`));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${host}:${address.port}`;
  return {
    url: baseUrl,
    port: address.port,
    stats,
    configure,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { TRANSIENT_FAULTS };
