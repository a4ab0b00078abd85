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
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ScoringMode } from "../gemini/answer";
import { DEFAULT_FAULT_SETTINGS, FaultPicker, type FaultSettings } from "../gemini/faults";
import { knobPatch, ScorePerturber } from "../gemini/knobs";
import type { StandinSettings } from "../gemini/server";
import { StandinStats } from "../gemini/stats";
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

export type OpenAIStandin = {
  url: string;
  port: number;
  stats: StandinStats;
  configure(settings: Partial<StandinSettings>): void;
  close(): Promise<void>;
};

async function readBytes(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readBody(request: IncomingMessage): Promise<string> {
  return (await readBytes(request)).toString("utf8");
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, error: OpenAIError) {
  send(response, error.status, error.body, error.headers);
}

function isError(result: unknown): result is OpenAIError {
  return typeof (result as OpenAIError).status === "number" && "headers" in (result as object);
}

/** Sends a store's answer: its error, or the object with 200. */
function reply(response: ServerResponse, result: Record<string, unknown> | OpenAIError) {
  if (isError(result)) return sendError(response, result);
  send(response, 200, result);
}

const BATCH_ROUTE = /^\/v1\/batches\/([^/]+)(\/cancel)?$/;
const FILE_ROUTE = /^\/v1\/files\/([^/]+)(\/content)?$/;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the stand-in; `port: 0` picks a free port.
 * @example
 * const standin = await startOpenAIStandin({ port: 8840 });
 * const client = new OpenAI({ apiKey: "test", baseURL: `${standin.url}/v1` });
 */
export async function startOpenAIStandin(options: OpenAIStandinOptions = {}): Promise<OpenAIStandin> {
  const { port = 0, host = "127.0.0.1", apiKey } = options;
  const settings: FaultSettings = { ...DEFAULT_FAULT_SETTINGS };
  for (const key of Object.keys(DEFAULT_FAULT_SETTINGS) as (keyof FaultSettings)[]) {
    if (options[key] !== undefined) Object.assign(settings, { [key]: options[key] });
  }
  const faults = new FaultPicker(settings);
  const stats = new StandinStats();
  const context: CompletionContext = {
    models: options.models ?? DEFAULT_MODELS,
    noJsonSchema: options.noJsonSchema ?? DEFAULT_NO_JSON_SCHEMA,
    seenPrefixes: new Set(),
    minCacheTokens: options.minCacheTokens ?? 1024,
    scoring: options.scoring ?? "hash",
    knobs: new ScorePerturber(knobPatch(options)),
  };
  const batches = new OpenAIBatchStore({
    faults,
    stats,
    context,
    pollsToComplete: options.batchPollsToComplete ?? 1,
  });
  let baseUrl = "";

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
    const body = JSON.parse(await readBody(request)) as ChatCompletionRequest;
    const { key } = splitMessages(body);
    const refused = requestError(body, context);
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
      const answer = buildCompletion(body, fault, context);
      stats.answered(key, answer.usable);
      send(response, 200, answer.body);
    } finally {
      finish();
    }
  }

  async function route(request: IncomingMessage, response: ServerResponse) {
    const path = new URL(request.url ?? "/", baseUrl).pathname;
    const method = request.method ?? "GET";
    if (path.startsWith("/__standin/")) return control(request, response, path);
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
      return send(response, 200, { object: "list", data });
    }
    if (path.startsWith("/v1/files") || path.startsWith("/v1/batches")) {
      return batchRoute(request, response, path, method);
    }
    return sendError(response, openAIError(404, `Invalid URL (${method} ${path})`));
  }

  async function batchRoute(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    method: string,
  ) {
    if (path === "/v1/files" && method === "POST") {
      // The SDK uploads multipart/form-data; the platform's own parser reads it.
      const form = await new Request(`${baseUrl}${path}`, {
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
      if (!file[2]) return send(response, 200, found.meta);
      response.writeHead(200, { "content-type": "application/octet-stream" });
      return response.end(found.bytes);
    }
    if (path === "/v1/batches" && method === "POST") {
      return reply(response, batches.create(JSON.parse(await readBody(request))));
    }
    const batch = BATCH_ROUTE.exec(path);
    if (batch?.[2] && method === "POST") return reply(response, batches.cancel(batch[1] ?? ""));
    if (batch && !batch[2] && method === "GET") return reply(response, batches.retrieve(batch[1] ?? ""));
    return sendError(response, openAIError(404, `Invalid URL (${method} ${path})`));
  }

  async function control(request: IncomingMessage, response: ServerResponse, path: string) {
    if (path === "/__standin/stats") return send(response, 200, stats.summary());
    if (path === "/__standin/config" && request.method === "POST") {
      configure(JSON.parse((await readBody(request)) || "{}") as Partial<StandinSettings>);
      return send(response, 200, { ...faults.current, ...context.knobs.current });
    }
    if (path === "/__standin/reset" && request.method === "POST") {
      stats.reset();
      return send(response, 200, { ok: true });
    }
    return sendError(response, openAIError(404, `No control route ${path}.`));
  }

  function configure(patch: Partial<StandinSettings>) {
    const faultPart = Object.fromEntries(
      Object.entries(patch).filter(([key]) => key in DEFAULT_FAULT_SETTINGS),
    ) as Partial<FaultSettings>;
    if (Object.keys(faultPart).length > 0) faults.update({ ...faults.current, ...faultPart });
    context.knobs.update(knobPatch(patch));
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendError(
          response,
          invalidRequest(`We could not parse the JSON body of your request. ${(error as Error).message}`),
        );
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
