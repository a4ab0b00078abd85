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
import type { IncomingMessage, ServerResponse } from "node:http";
import { type RunningStandin, StandinControls, type StandinSettings } from "../common/controls";
import { readBytes, readText, sendJson, startHttpStandin } from "../common/http";
import type { ScoringMode } from "./answer";
import { BatchStore } from "./batches";
import { TRANSIENT_FAULTS } from "./faults";
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

export type { StandinSettings };

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

export type GeminiStandin = RunningStandin;

const MODEL_ROUTE = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|countTokens|batchGenerateContent)$/;
const BATCH_ROUTE = /^\/(v1beta|v1)\/batches\/([^/:]+)(:cancel)?$/;
const FILE_ROUTE = /^\/(?:download\/)?(v1beta|v1)\/files\/([^/:]+)(:download)?$/;

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  sendJson(response, status, body, { "content-type": "application/json; charset=UTF-8", ...headers });
}

function sendError(response: ServerResponse, error: GoogleError) {
  send(response, error.status, error.body, error.headers);
}

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
  const controls = new StandinControls(options);
  const { faults, stats, knobs } = controls;
  const cache: AnswerContext = { seenPrefixes: new Set(), minCacheTokens, scoring, knobs };
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
    const body = JSON.parse(await readText(request)) as GenerateContentRequest;
    const { key } = splitPrompt(body);
    await controls.serveCall(request, key, {
      refused: requestError(body, model),
      transportError,
      answer: (fault) => {
        const answer = generateAnswer(body, model, fault, cache);
        const [candidate] = answer.candidates as { finishReason?: string }[];
        const cut = candidate?.finishReason === "MAX_TOKENS";
        return { body: answer, usable: (fault === null || fault === "slow") && !cut };
      },
      sendError: (error) => sendError(response, error),
      send: (answer) => send(response, 200, answer),
    });
  }

  async function route(request: IncomingMessage, response: ServerResponse, url: URL) {
    const method = request.method ?? "GET";
    if (url.pathname.startsWith("/__standin/")) {
      if (await controls.control(request, response, url.pathname)) return;
      return sendError(response, googleError(404, `No control route ${url.pathname}.`));
    }
    const keyError = checkKey(request);
    if (keyError) return sendError(response, keyError);
    const model = MODEL_ROUTE.exec(url.pathname);
    if (model && method === "POST") {
      const [, , name = "", action] = model;
      if (action === "generateContent") return generateContent(request, response, name);
      const body = JSON.parse((await readText(request)) || "{}");
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
    const body = await readBytes(request);
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
          "x-goog-upload-url": `${url.origin}/upload/v1beta/files?upload_id=${uploadId}`,
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

  const http = await startHttpStandin({
    port,
    host,
    route,
    malformed: (response, error) =>
      sendError(response, googleError(400, `Invalid JSON payload received: ${error.message}`)),
  });
  return controls.running(http);
}

export { TRANSIENT_FAULTS };
