/**
 * @module
 * Configuration every process reads from its environment, with defaults for local use. The README's
 * configuration reference is generated from these schemas (`npm run -w shared docs:config`).
 */
import { z } from "zod";
import { IMPORT_PART_BYTES } from "./api";

/** USD per million tokens. Cached input is the context-caching price; batch is half of interactive. */
export const modelPriceSchema = z.object({
  input_per_mtok: z.number().min(0),
  cached_input_per_mtok: z.number().min(0),
  output_per_mtok: z.number().min(0),
  batch_discount: z.number().min(0).max(1).default(0.5),
});
export type ModelPrice = z.infer<typeof modelPriceSchema>;

export const priceTableSchema = z.record(z.string(), modelPriceSchema);

const numberFromEnv = (fallback: number) => z.coerce.number().positive().default(fallback);

/** The edge's settings (wrangler vars and secrets). */
export const edgeConfigSchema = z.object({
  GEMINI_API_KEY: z
    .string()
    .optional()
    .describe("Gemini API key (secret). Unset: the local Gemini stand-in is used."),
  GEMINI_BASE_URL: z.string().url().optional().describe("Base URL of the Gemini API or a stand-in."),
  OPENAI_API_KEY: z
    .string()
    .optional()
    .describe(
      "Key of the OpenAI-compatible endpoint (secret) that `provider: openai` oracles call. Unset: the local OpenAI-compatible stand-in is used.",
    ),
  OPENAI_BASE_URL: z
    .string()
    .url()
    .optional()
    .describe(
      "Base URL of the OpenAI-compatible chat-completions endpoint, with its version path (OpenAI https://api.openai.com/v1, DeepSeek https://api.deepseek.com, vLLM or Ollama http://host:port/v1).",
    ),
  OPENAI_BATCH: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true")
    .describe(
      "Whether the OpenAI-compatible endpoint has OpenAI's Batch API (`/v1/files` + `/v1/batches`, half price): `true` for OpenAI proper; DeepSeek, vLLM and Ollama have none, and batch jobs for `provider: openai` are refused while it is `false`.",
    ),
  ORACLE_RPM: numberFromEnv(150).describe(
    "Requests per minute the oracle limiter allows across all consumers (each provider has its own limiter; this is Gemini's quota, and the OpenAI-compatible one's unless `OPENAI_RPM` is set).",
  ),
  ORACLE_TPM: numberFromEnv(1_000_000).describe(
    "Tokens per minute the oracle limiter allows (Gemini's, and the OpenAI-compatible endpoint's unless `OPENAI_TPM` is set).",
  ),
  OPENAI_RPM: z.coerce
    .number()
    .positive()
    .optional()
    .describe(
      "Requests per minute for the OpenAI-compatible endpoint's limiter (its own quota: DeepSeek, OpenAI's tier, a vLLM box); unset: `ORACLE_RPM`.",
    ),
  OPENAI_TPM: z.coerce
    .number()
    .positive()
    .optional()
    .describe("Tokens per minute for the OpenAI-compatible endpoint's limiter; unset: `ORACLE_TPM`."),
  ORACLE_DAILY_BUDGET_USD: numberFromEnv(50).describe("Oracle spend per day shown against in /status."),
  ORACLE_PRICES: z
    .string()
    .optional()
    .describe("JSON price table overriding the published prices (USD per 1M tokens)."),
  ORACLE_BATCH_INLINE_BYTES: numberFromEnv(19_000_000).describe(
    "Largest Batch Mode job payload (bytes) sent inline; above it the articles go as uploaded JSONL files (Gemini's inline limit is 20 MB).",
  ),
  ORACLE_BATCH_FILE_BYTES: numberFromEnv(32 * 1024 * 1024).describe(
    "Largest JSONL input file (bytes) of one Batch Mode batch; the worker holds about twice this while uploading it.",
  ),
  HUB_LEASE_MS: numberFromEnv(30_000).describe(
    "How long a GPU node's job lease lasts without a heartbeat or progress; then the job is offered again.",
  ),
  HUB_HEARTBEAT_MS: z.coerce
    .number()
    .positive()
    .optional()
    .describe("How often nodes send heartbeats (default: a third of HUB_LEASE_MS)."),
  HUB_POLL_MS: numberFromEnv(2_000).describe("How often the node hub looks for new or cancelled GPU jobs."),
  MAX_JSON_BODY_BYTES: numberFromEnv(10_485_760).describe(
    "Largest accepted JSON request body; NDJSON streams and uploads are not buffered whole.",
  ),
  IMPORT_PART_BYTES: numberFromEnv(IMPORT_PART_BYTES).describe(
    "Size of every bulk-import upload part but the last, in bytes; R2 needs at least 5 MiB (smaller values are raised to it).",
  ),
  IMPORT_CHUNK_BYTES: numberFromEnv(4 * 1024 * 1024).describe(
    "Bytes of an uploaded import file the import consumer reads per chunk.",
  ),
  ARTIFACT_MAX_BYTES: numberFromEnv(2 * 1024 ** 3).describe(
    "Largest model artifact a node may upload (413 `artifact.too_large` above it); LoRA adapters and encoders stay well under 2 GiB.",
  ),
  EXPORT_SIGNING_KEY: z.string().optional().describe("Secret for signed, expiring export links."),
  PUBLIC_URL: z
    .string()
    .url()
    .refine((value) => /^https?:\/\/[^/?#]+\/?$/.test(value), "must be scheme://host[:port], with no path")
    .optional()
    .describe(
      "The edge's public address (e.g. https://distillery.example.org), used as the host of the links it hands out (signed export links). Unset: the request's Host header.",
    ),
});
export type EdgeConfig = z.infer<typeof edgeConfigSchema>;

/** The GPU node agent's settings (flags override). */
export const nodeConfigSchema = z.object({
  DISTILLERY_EDGE_URL: z
    .string()
    .url()
    .default("http://127.0.0.1:8787")
    .describe("The edge the agent connects to."),
  DISTILLERY_NODE_TOKEN: z.string().optional().describe("A token with role `node`."),
  DISTILLERY_WORK_DIR: z.string().default(".distillery/node").describe("Checkpoints, caches and job files."),
});

/** The bot's settings. */
export const botConfigSchema = z.object({
  DISCORD_TOKEN: z
    .string()
    .optional()
    .describe("Discord bot token. Unset: `npm start` does not start the bot."),
  DISCORD_APPLICATION_ID: z.string().optional().describe("Application id, for command registration."),
  DISCORD_GUILD_ID: z
    .string()
    .optional()
    .describe("Register commands in this guild only (instant) instead of globally."),
  DISCORD_API_BASE: z.string().url().optional().describe("Discord REST base URL (a stand-in in tests)."),
  DISTILLERY_EDGE_URL: z.string().url().default("http://127.0.0.1:8787").describe("The edge the bot calls."),
  DISTILLERY_BOT_TOKEN: z.string().optional().describe("A token with role `bot`."),
  DISTILLERY_BOT_ROLES: z
    .string()
    .optional()
    .describe('JSON map of Discord role id to actions, e.g. {"123":["read","label"]}.'),
  DISCORD_ALERTS_CHANNEL_ID: z
    .string()
    .optional()
    .describe(
      "Channel the bot posts drift-audit alerts to (with a chart). Unset: alerts are only logged and shown in GET /v1/filters/{name}/health.",
    ),
});
