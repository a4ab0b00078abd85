/**
 * @module
 * The OpenAI-compatible chat-completions stand-in: a Node HTTP server speaking enough of the OpenAI
 * API (and of DeepSeek's, which copies it) for the official `openai` SDK to run against it unchanged
 * through `baseURL`: `POST /v1/chat/completions`, `GET /v1/models`, and OpenAI's Batch API with the
 * Files API it reads from (batches.ts). It checks the bearer key,
 * answers deterministically, injects the same faults as the Gemini stand-in (with OpenAI's statuses,
 * bodies and rate-limit headers) and counts calls per article so tests can prove no article was paid
 * for twice. `/__standin/stats`, `/__standin/config` and `/__standin/reset` work as in the Gemini one.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type RunningStandin, StandinControls, type StandinSettings } from "../common/controls";
import { readBytes, readText, sendJson, startHttpStandin } from "../common/http";
import type { ScoringMode } from "../gemini/answer";
import { OpenAIBatchStore } from "./batches";
import {
  buildCompletion,
  type ChatCompletionRequest,
  type CompletionContext,
  requestError,
  splitMessages,
} from "./completion";
import { invalidRequest, type OpenAIError, openAIError, transportError } from "./errors";
import { DEFAULT_MODELS, DEFAULT_NO_JSON_SCHEMA } from "./models";

export type OpenAIStandinOptions = Partial<StandinSettings> & {
  port?: number;
  host?: string;
  /** When set, only this key is accepted (others get 401). Any non-empty key otherwise. */
  apiKey?: string;
  /** Models listed and accepted (others get 404 model_not_found). */
  models?: readonly string[];
  /** Name prefixes of models that refuse `json_schema` response formats (default: `deepseek-`). */
  noJsonSchema?: readonly string[];
  /** Smallest prefix, in tokens, reported as cached when repeated (OpenAI: 1,024). */
  minCacheTokens?: number;
  /** `hash` (default): scores spread at random over tiers; `lexical`: learnable from the wording. */
  scoring?: ScoringMode;
  /** Retrieves of `batches/{id}` before a batch completes (0: done at creation). */
  batchPollsToComplete?: number;
};

export type OpenAIStandin = RunningStandin;

function sendError(response: ServerResponse, error: OpenAIError) {
  sendJson(response, error.status, error.body, error.headers);
}

function isError(result: unknown): result is OpenAIError {
  return typeof (result as OpenAIError).status === "number" && "headers" in (result as object);
}

/** Sends a store's answer: its error, or the object with 200. */
function reply(response: ServerResponse, result: Record<string, unknown> | OpenAIError) {
  if (isError(result)) return sendError(response, result);
  sendJson(response, 200, result);
}

const BATCH_ROUTE = /^\/v1\/batches\/([^/]+)(\/cancel)?$/;
const FILE_ROUTE = /^\/v1\/files\/([^/]+)(\/content)?$/;

/**
 * Starts the stand-in; `port: 0` picks a free port.
 * @example
 * const standin = await startOpenAIStandin({ port: 8840 });
 * const client = new OpenAI({ apiKey: "test", baseURL: `${standin.url}/v1` });
 */
export async function startOpenAIStandin(options: OpenAIStandinOptions = {}): Promise<OpenAIStandin> {
  const { port = 0, host = "127.0.0.1", apiKey } = options;
  const controls = new StandinControls(options);
  const { faults, stats } = controls;
  const context: CompletionContext = {
    models: options.models ?? DEFAULT_MODELS,
    noJsonSchema: options.noJsonSchema ?? DEFAULT_NO_JSON_SCHEMA,
    seenPrefixes: new Set(),
    minCacheTokens: options.minCacheTokens ?? 1024,
    scoring: options.scoring ?? "hash",
    knobs: controls.knobs,
  };
  const batches = new OpenAIBatchStore({
    faults,
    stats,
    context,
    pollsToComplete: options.batchPollsToComplete ?? 1,
  });

  function checkKey(request: IncomingMessage): OpenAIError | null {
    const header = request.headers.authorization ?? "";
    const key = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
    if (key === "") {
      return openAIError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      );
    }
    if (apiKey !== undefined && key !== apiKey) {
      return openAIError(401, `Incorrect API key provided: ${key.slice(0, 3)}***${key.slice(-4)}.`, {
        code: "invalid_api_key",
      });
    }
    return null;
  }

  async function chatCompletion(request: IncomingMessage, response: ServerResponse) {
    const body = JSON.parse(await readText(request)) as ChatCompletionRequest;
    const { key } = splitMessages(body);
    await controls.serveCall(request, key, {
      refused: requestError(body, context),
      transportError,
      answer: (fault) => buildCompletion(body, fault, context),
      sendError: (error) => sendError(response, error),
      send: (answer) => sendJson(response, 200, answer),
    });
  }

  async function route(request: IncomingMessage, response: ServerResponse, url: URL) {
    const path = url.pathname;
    const method = request.method ?? "GET";
    if (path.startsWith("/__standin/")) {
      if (await controls.control(request, response, path)) return;
      return sendError(response, openAIError(404, `No control route ${path}.`));
    }
    const keyError = checkKey(request);
    if (keyError) return sendError(response, keyError);
    if (path === "/v1/chat/completions" && method === "POST") return chatCompletion(request, response);
    if (path === "/v1/models" && method === "GET") {
      const data = context.models.map((id) => ({
        id,
        object: "model",
        created: 1_700_000_000,
        owned_by: "standin",
      }));
      return sendJson(response, 200, { object: "list", data });
    }
    if (path.startsWith("/v1/files") || path.startsWith("/v1/batches")) {
      return batchRoute(request, response, url, method);
    }
    return sendError(response, openAIError(404, `Invalid URL (${method} ${path})`));
  }

  async function batchRoute(request: IncomingMessage, response: ServerResponse, url: URL, method: string) {
    const path = url.pathname;
    if (path === "/v1/files" && method === "POST") {
      // The SDK uploads multipart/form-data; the platform's own parser reads it.
      const form = await new Request(url, {
        method,
        headers: { "content-type": request.headers["content-type"] ?? "" },
        body: new Uint8Array(await readBytes(request)),
      }).formData();
      const file = form.get("file");
      const bytes = file instanceof Blob ? Buffer.from(await file.arrayBuffer()) : null;
      const filename = file instanceof File ? file.name : "upload.jsonl";
      return reply(response, batches.upload(bytes, filename, String(form.get("purpose") ?? "")));
    }
    const file = FILE_ROUTE.exec(path);
    if (file && method === "GET") {
      const found = batches.file(file[1] ?? "");
      if (isError(found)) return sendError(response, found);
      if (!file[2]) return sendJson(response, 200, found.meta);
      response.writeHead(200, { "content-type": "application/octet-stream" });
      return response.end(found.bytes);
    }
    if (path === "/v1/batches" && method === "POST") {
      return reply(response, batches.create(JSON.parse(await readText(request))));
    }
    const batch = BATCH_ROUTE.exec(path);
    if (batch?.[2] && method === "POST") return reply(response, batches.cancel(batch[1] ?? ""));
    if (batch && !batch[2] && method === "GET") return reply(response, batches.retrieve(batch[1] ?? ""));
    return sendError(response, openAIError(404, `Invalid URL (${method} ${path})`));
  }

  const http = await startHttpStandin({
    port,
    host,
    route,
    malformed: (response, error) =>
      sendError(
        response,
        invalidRequest(`We could not parse the JSON body of your request. ${error.message}`),
      ),
  });
  return controls.running(http);
}
