/**
 * @module
 * The D1 schema (drizzle-orm, SQLite). Every table the edge stores lives here; migrations under
 * `edge/migrations/` are generated from this file with `npm run -w edge db:generate` and applied by
 * `wrangler d1 migrations apply DB --local`. JSON columns hold values already validated by the zod
 * schemas in `@distillery/shared`; timestamps are ISO-8601 strings so they sort and read the same
 * everywhere. Composite keys make idempotency a database guarantee (labels, chunks, webhook ids).
 */
import {
  jobKindSchema,
  jobStateSchema,
  oracleJobModeSchema,
  oracleModeSchema,
  oracleProviderSchema,
  splitNameSchema,
  studentKindSchema,
  type Thinking,
  tokenRoleSchema,
  uploadStateSchema,
} from "@distillery/shared";
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

/**
 * A shared zod enum's values as the non-empty tuple drizzle's `enum` option takes, so a column's values
 * are typed from the one definition in `@distillery/shared` (SQLite does not enforce them: no migration).
 */
function valuesOf<T extends string>(schema: { options: T[] }): [T, ...T[]] {
  return schema.options as [T, ...T[]];
}

/** Article metadata. `body` is inline when small; large bodies live in R2 under `body_key`. */
export const articles = sqliteTable(
  "articles",
  {
    id: text("id").primaryKey(),
    external_id: text("external_id"),
    url: text("url").notNull(),
    normalized_url: text("normalized_url").notNull(),
    content_hash: text("content_hash").notNull(),
    title: text("title").notNull(),
    body: text("body"),
    body_key: text("body_key"),
    body_chars: integer("body_chars").notNull(),
    language: text("language").notNull(),
    source: text("source").notNull(),
    published_at: text("published_at"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    /** The import job (or null) that stored this article. */
    import_job_id: text("import_job_id"),
    created_at: text("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("articles_dedupe").on(t.normalized_url, t.content_hash),
    index("articles_source").on(t.source, t.id),
    index("articles_language").on(t.language, t.id),
    index("articles_published").on(t.published_at),
  ],
);

/** Filter packages: one row per (name, version), the validated package as JSON. */
export const filters = sqliteTable(
  "filters",
  {
    name: text("name").notNull(),
    version: integer("version").notNull(),
    package: text("package", { mode: "json" }).notNull(),
    prompt_hash: text("prompt_hash").notNull(),
    description: text("description").notNull(),
    created_by: text("created_by").notNull(),
    created_at: text("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.name, t.version] })],
);

/** The prefilter decision of one filter version on one article. */
export const prefilterResults = sqliteTable(
  "prefilter_results",
  {
    article_id: text("article_id").notNull(),
    filter: text("filter").notNull(),
    filter_version: integer("filter_version").notNull(),
    pass: integer("pass", { mode: "boolean" }).notNull(),
    rule: text("rule").notNull(),
    detail: text("detail").notNull(),
    created_at: text("created_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.article_id, t.filter, t.filter_version] }),
    index("prefilter_by_filter").on(t.filter, t.filter_version, t.pass),
  ],
);

/** Oracle labels, keyed so the same (article, filter version, prompt, oracle) is never paid for twice. */
export const oracleLabels = sqliteTable(
  "oracle_labels",
  {
    article_id: text("article_id").notNull(),
    filter: text("filter").notNull(),
    filter_version: integer("filter_version").notNull(),
    prompt_hash: text("prompt_hash").notNull(),
    provider: text("provider", { enum: valuesOf(oracleProviderSchema) })
      .notNull()
      .default("gemini"),
    model: text("model").notNull(),
    mode: text("mode", { enum: valuesOf(oracleModeSchema) }).notNull(),
    scores: text("scores", { mode: "json" }).notNull(),
    categories: text("categories", { mode: "json" }).notNull().default({}),
    overall: real("overall"),
    tier: text("tier"),
    tokens_input: integer("tokens_input").notNull().default(0),
    tokens_cached: integer("tokens_cached").notNull().default(0),
    tokens_output: integer("tokens_output").notNull().default(0),
    /** Of `tokens_output`, the thinking tokens (billed as output). */
    tokens_thinking: integer("tokens_thinking").notNull().default(0),
    cost_usd: real("cost_usd").notNull().default(0),
    latency_ms: real("latency_ms").notNull().default(0),
    /**
     * How the article was chosen for labelling: `random` (a random or stratified sample, or every
     * article), `uncertain` (where a student was least sure), `named` (ids or a query), `audit`, or
     * `unknown` (labels from before provenance was kept, or imported). Evaluation tests only on `random`.
     */
    selection: text("selection").notNull().default("unknown"),
    attempts: integer("attempts").notNull().default(1),
    job_id: text("job_id"),
    created_at: text("created_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.article_id, t.filter, t.filter_version, t.prompt_hash, t.provider, t.model] }),
    index("labels_by_filter_tier").on(t.filter, t.tier),
    index("labels_by_job").on(t.job_id),
    index("labels_by_day").on(t.created_at),
  ],
);

/** Datasets: an immutable split of a filter version's labels; rows JSONL in R2 under `artifact_key`. */
export const datasets = sqliteTable("datasets", {
  id: text("id").primaryKey(),
  filter: text("filter").notNull(),
  filter_version: integer("filter_version").notNull(),
  seed: integer("seed").notNull(),
  report: text("report", { mode: "json" }).notNull(),
  content_hash: text("content_hash").notNull(),
  artifact_key: text("artifact_key"),
  created_at: text("created_at").notNull().default(now),
});

/** Which split each article of a dataset is in. */
export const datasetSplits = sqliteTable(
  "dataset_splits",
  {
    dataset_id: text("dataset_id").notNull(),
    article_id: text("article_id").notNull(),
    split: text("split", { enum: valuesOf(splitNameSchema) }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.dataset_id, t.article_id] }),
    index("splits_by_split").on(t.dataset_id, t.split),
  ],
);

/** Jobs of every kind: state machine, lease, attempts, progress, result, error. */
export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: valuesOf(jobKindSchema) }).notNull(),
    state: text("state", { enum: valuesOf(jobStateSchema) }).notNull(),
    spec: text("spec", { mode: "json" }).notNull(),
    progress: text("progress", { mode: "json" }).notNull(),
    result: text("result", { mode: "json" }),
    error: text("error", { mode: "json" }),
    attempts: integer("attempts").notNull().default(0),
    lease_node_id: text("lease_node_id"),
    lease_id: text("lease_id"),
    lease_expires_at: text("lease_expires_at"),
    created_by: text("created_by").notNull(),
    notify: text("notify", { mode: "json" }),
    created_at: text("created_at").notNull(),
    updated_at: text("updated_at").notNull(),
    started_at: text("started_at"),
    finished_at: text("finished_at"),
  },
  (t) => [
    index("jobs_by_state").on(t.state, t.kind),
    index("jobs_by_kind").on(t.kind, t.created_at),
    index("jobs_by_lease").on(t.lease_expires_at),
  ],
);

/**
 * GPU work units: one row per shard of a train/eval/infer job (train and eval have one). The node hub
 * leases shards to nodes; `lease_expires_at` (epoch ms) is renewed by heartbeats and progress, and an
 * expired lease puts the shard back to `queued` for another node. Lives in D1 so it survives hub restarts.
 */
export const jobShards = sqliteTable(
  "job_shards",
  {
    job_id: text("job_id").notNull(),
    shard: integer("shard").notNull(),
    shard_count: integer("shard_count").notNull(),
    state: text("state", { enum: ["queued", "leased", "succeeded", "failed"] }).notNull(),
    node_id: text("node_id"),
    lease_id: text("lease_id"),
    lease_expires_at: integer("lease_expires_at"),
    /** The node that last held it: a train shard goes back there first (its checkpoints are there). */
    last_node_id: text("last_node_id"),
    attempts: integer("attempts").notNull().default(0),
    /** Infer: the largest article rowid in the job's input, fixed at creation so re-runs see the same rows. */
    input_max_rowid: integer("input_max_rowid"),
    progress: text("progress", { mode: "json" }),
    result: text("result", { mode: "json" }),
    updated_at: text("updated_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.job_id, t.shard] }),
    index("job_shards_by_state").on(t.state, t.lease_expires_at),
    index("job_shards_by_node").on(t.node_id),
  ],
);

/** Student models in the registry. */
export const studentModels = sqliteTable(
  "student_models",
  {
    id: text("id").primaryKey(),
    filter: text("filter").notNull(),
    filter_version: integer("filter_version").notNull(),
    dataset_id: text("dataset_id").notNull(),
    job_id: text("job_id"),
    kind: text("kind", { enum: valuesOf(studentKindSchema) }).notNull(),
    base_model: text("base_model").notNull(),
    backend: text("backend").notNull(),
    metrics: text("metrics", { mode: "json" }),
    artifact_key: text("artifact_key"),
    artifact_sha256: text("artifact_sha256"),
    artifact_bytes: integer("artifact_bytes"),
    created_at: text("created_at").notNull().default(now),
  },
  (t) => [index("models_by_filter").on(t.filter, t.filter_version)],
);

/** One student prediction per (job, article); overall and tier computed by the shared postfilter. */
export const predictions = sqliteTable(
  "predictions",
  {
    job_id: text("job_id").notNull(),
    article_id: text("article_id").notNull(),
    model_id: text("model_id").notNull(),
    filter: text("filter").notNull(),
    filter_version: integer("filter_version").notNull(),
    scores: text("scores", { mode: "json" }).notNull(),
    reasons: text("reasons", { mode: "json" }),
    /** The student's own categorical answers; overall and tier are postfiltered with these. */
    categories: text("categories", { mode: "json" }),
    /** Scores before the student's isotonic calibration (eval predictions), for the report. */
    uncalibrated_scores: text("uncalibrated_scores", { mode: "json" }),
    overall: real("overall"),
    tier: text("tier"),
    parse_status: text("parse_status"),
    interval_low: real("interval_low"),
    interval_high: real("interval_high"),
    /** The student's predicted error scale of this article (its conformal interval is overall ± q · scale). */
    overall_scale: real("overall_scale"),
    /** Who answered: the student, or the oracle when a cascade replaced a doubtful prediction. */
    source: text("source", { enum: ["student", "oracle"] }).default("student"),
    created_at: text("created_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.job_id, t.article_id] }),
    index("predictions_by_filter_tier").on(t.filter, t.tier),
    index("predictions_by_article").on(t.article_id),
  ],
);

/**
 * Cascade scoring jobs waiting on (or done with) their oracle job: one row per infer job, so a restart
 * or the minute task can find every cascade still open without reading job results.
 */
export const cascades = sqliteTable(
  "cascades",
  {
    infer_job_id: text("infer_job_id").primaryKey(),
    /** Null until the oracle job is created (a row without one is a cascade being started). */
    oracle_job_id: text("oracle_job_id"),
    coverage: real("coverage").notNull(),
    doubtful: integer("doubtful").notNull(),
    created_at: text("created_at").notNull().default(now),
    finished_at: text("finished_at"),
  },
  (t) => [index("cascades_by_oracle_job").on(t.oracle_job_id)],
);

/** Prediction chunks already accepted, so a re-sent chunk is stored once. */
export const predictionChunks = sqliteTable(
  "prediction_chunks",
  {
    job_id: text("job_id").notNull(),
    shard: integer("shard").notNull(),
    chunk_index: integer("chunk_index").notNull(),
    count: integer("count").notNull(),
    created_at: text("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.job_id, t.shard, t.chunk_index] })],
);

/** API tokens: only the SHA-256 of the secret is stored. */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    role: text("role", { enum: valuesOf(tokenRoleSchema) }).notNull(),
    token_hash: text("token_hash").notNull(),
    created_by: text("created_by").notNull(),
    created_at: text("created_at").notNull().default(now),
    last_used_at: text("last_used_at"),
    revoked_at: text("revoked_at"),
  },
  (t) => [uniqueIndex("tokens_by_hash").on(t.token_hash)],
);

/**
 * GPU nodes by id, each bound to the token that first registered it: another token saying `hello` with
 * that id is refused (close 4010) while the bound token is active, so one node token cannot take over
 * another's node and its leases. A node whose token was revoked may be claimed by a new token.
 */
export const nodes = sqliteTable(
  "nodes",
  {
    id: text("id").primaryKey(),
    token_id: text("token_id").notNull(),
    name: text("name").notNull(),
    first_seen_at: text("first_seen_at").notNull().default(now),
    last_seen_at: text("last_seen_at").notNull().default(now),
  },
  (t) => [index("nodes_by_token").on(t.token_id)],
);

/** Who (token, chat user) started, changed or cancelled what. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: text("at").notNull().default(now),
    token_id: text("token_id"),
    actor: text("actor").notNull(),
    discord_user: text("discord_user"),
    action: text("action").notNull(),
    target_type: text("target_type").notNull(),
    target_id: text("target_id").notNull(),
    details: text("details", { mode: "json" }),
  },
  (t) => [index("audit_by_target").on(t.target_type, t.target_id)],
);

/**
 * Where an import job's chain of chunk messages stands: the next byte offset and line in the upload,
 * and the totals of the chunks before. Moved on by compare-and-set on `next_offset` after each chunk,
 * so a duplicated or re-driven message never counts a chunk twice; the stalled-work re-drive sends a
 * new message from here when the chain's message was lost.
 */
export const importCursors = sqliteTable("import_cursors", {
  job_id: text("job_id").primaryKey(),
  upload_id: text("upload_id").notNull(),
  next_offset: integer("next_offset").notNull(),
  next_line: integer("next_line").notNull(),
  /** `{ lines, created, existing, rejected }` of the chunks before `next_offset`. */
  totals: text("totals", { mode: "json" })
    .$type<{ lines: number; created: number; existing: number; rejected: number }>()
    .notNull(),
  updated_at: text("updated_at").notNull().default(now),
});

/** Bulk import uploads: an NDJSON file uploaded to R2 in parts (R2 multipart upload). */
export const uploads = sqliteTable("uploads", {
  id: text("id").primaryKey(),
  object_key: text("object_key").notNull(),
  multipart_upload_id: text("multipart_upload_id"),
  state: text("state", { enum: valuesOf(uploadStateSchema) }).notNull(),
  /** `[{ part_number, etag, bytes }]` of the parts uploaded so far. */
  parts: text("parts", { mode: "json" }).notNull().default([]),
  bytes: integer("bytes").notNull().default(0),
  filename: text("filename"),
  created_by: text("created_by").notNull(),
  created_at: text("created_at").notNull().default(now),
});

/** Per-line problems of an import job (capped per job; counts are on the job's result). */
export const importErrors = sqliteTable(
  "import_errors",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    job_id: text("job_id").notNull(),
    line: integer("line").notNull(),
    path: text("path").notNull(),
    issue: text("issue").notNull(),
  },
  (t) => [index("import_errors_by_job").on(t.job_id, t.line)],
);

/** Webhook signing secrets per source; several may be active at once for rotation. */
export const webhookSecrets = sqliteTable(
  "webhook_secrets",
  {
    id: text("id").primaryKey(),
    source: text("source").notNull(),
    /** The `whsec_...` secret; kept as-is because verifying an HMAC needs the key itself. */
    secret: text("secret").notNull(),
    created_at: text("created_at").notNull().default(now),
    revoked_at: text("revoked_at"),
  },
  (t) => [index("webhook_secrets_by_source").on(t.source)],
);

/**
 * Webhook message ids already accepted, per source: a replay is acknowledged without storing twice.
 * Standard Webhooks ids are unique per sender only, so two sources may use the same id.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    source: text("source").notNull(),
    webhook_id: text("webhook_id").notNull(),
    article_id: text("article_id").notNull(),
    received_at: text("received_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.source, t.webhook_id] })],
);

/** Oracle jobs' own bookkeeping: the filter and prompt they label with, the effective budget, the estimate. */
export const oracleJobs = sqliteTable("oracle_jobs", {
  job_id: text("job_id").primaryKey(),
  filter: text("filter").notNull(),
  filter_version: integer("filter_version").notNull(),
  prompt_hash: text("prompt_hash").notNull(),
  provider: text("provider", { enum: valuesOf(oracleProviderSchema) })
    .notNull()
    .default("gemini"),
  model: text("model").notNull(),
  /** The thinking setting sent (a budget or a level; null: none sent). */
  thinking: text("thinking", { mode: "json" }).$type<Thinking | null>(),
  /** The output limit of a first call (a truncated answer is retried once with twice this). */
  max_output_tokens: integer("max_output_tokens"),
  mode: text("mode", { enum: valuesOf(oracleJobModeSchema) }).notNull(),
  /** The cap in force (raised by `PATCH /v1/jobs/:id`); the spec keeps the original. */
  budget_usd: real("budget_usd").notNull(),
  uses_standin: integer("uses_standin", { mode: "boolean" }).notNull(),
  estimate: text("estimate", { mode: "json" }).notNull(),
  created_at: text("created_at").notNull().default(now),
});

/** One article of an oracle job: what happened to it and what it cost (failed calls cost too). */
export const oracleItems = sqliteTable(
  "oracle_items",
  {
    job_id: text("job_id").notNull(),
    article_id: text("article_id").notNull(),
    filter: text("filter").notNull(),
    model: text("model").notNull(),
    state: text("state", { enum: ["pending", "labelled", "skipped", "failed"] }).notNull(),
    /** Failure code (`oracle.rate_limited`, ...) or skip reason (`already_labelled`). */
    reason: text("reason"),
    message: text("message"),
    attempts: integer("attempts").notNull().default(0),
    tokens_input: integer("tokens_input").notNull().default(0),
    tokens_cached: integer("tokens_cached").notNull().default(0),
    tokens_output: integer("tokens_output").notNull().default(0),
    tokens_thinking: integer("tokens_thinking").notNull().default(0),
    cost_usd: real("cost_usd").notNull().default(0),
    /** Answers cut at the output limit (billed, never stored; retried once with a larger limit). */
    truncations: integer("truncations").notNull().default(0),
    /** How the article was chosen (see `oracle_labels.selection`); its label inherits it. */
    selection: text("selection").notNull().default("unknown"),
    batch_name: text("batch_name"),
    updated_at: text("updated_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.job_id, t.article_id] }),
    index("oracle_items_by_state").on(t.job_id, t.state),
    index("oracle_items_by_day").on(t.updated_at),
  ],
);

/** A label key being worked on: claimed before calling Gemini so two deliveries never both call. */
export const oracleClaims = sqliteTable(
  "oracle_claims",
  {
    article_id: text("article_id").notNull(),
    filter: text("filter").notNull(),
    filter_version: integer("filter_version").notNull(),
    prompt_hash: text("prompt_hash").notNull(),
    provider: text("provider", { enum: valuesOf(oracleProviderSchema) })
      .notNull()
      .default("gemini"),
    model: text("model").notNull().default(""),
    job_id: text("job_id").notNull(),
    claim_id: text("claim_id").notNull(),
    /** A consumer that dies mid-call leaves its claim; after this time another may take it over. */
    expires_at: text("expires_at").notNull(),
    /**
     * Dollars of the job's budget held for the call in flight (its expected cost). Counted against the
     * cap until the outcome is recorded (the claim is deleted and the actual cost lands on the item) or
     * the claim expires.
     */
    reserved_usd: real("reserved_usd").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.article_id, t.filter, t.filter_version, t.prompt_hash, t.provider, t.model] }),
    index("oracle_claims_by_job").on(t.job_id, t.expires_at),
  ],
);

/** Gemini Batch Mode submissions of oracle jobs, polled by the cron handler. */
export const oracleBatches = sqliteTable(
  "oracle_batches",
  {
    name: text("name").primaryKey(),
    job_id: text("job_id").notNull(),
    state: text("state").notNull(),
    article_ids: text("article_ids", { mode: "json" }).$type<string[]>().notNull(),
    created_at: text("created_at").notNull().default(now),
    finished_at: text("finished_at"),
  },
  (t) => [index("oracle_batches_by_state").on(t.state)],
);

/**
 * Bake-off jobs (`bakeoff/`): the oracles as resolved at the start (with each one's prompt hash, so a
 * reused label matches exactly), the article count asked for, and the budget cap of every oracle together.
 */
export const bakeoffJobs = sqliteTable("bakeoff_jobs", {
  job_id: text("job_id").primaryKey(),
  filter: text("filter").notNull(),
  filter_version: integer("filter_version").notNull(),
  oracles: text("oracles", { mode: "json" })
    .$type<
      {
        name: string;
        provider: "gemini" | "openai";
        model: string;
        thinking: Thinking | null;
        max_output_tokens: number;
        prompt_hash: string;
        uses_standin: boolean;
      }[]
    >()
    .notNull(),
  requested: integer("requested").notNull(),
  budget_usd: real("budget_usd").notNull(),
  /** Set when the cap stopped the job: no new call starts, and the last call in flight ends it. */
  stopped_reason: text("stopped_reason"),
  created_at: text("created_at").notNull().default(now),
});

/**
 * One question of a bake-off: an oracle asked about an article, first (`replicate` 0) or again (1).
 * Answers stay here, never in `oracle_labels`, so they cannot leak into datasets. A claim (`claim_id`
 * until `claim_expires_at`) holds `reserved_usd` of the budget for the call in flight; `reused`: a
 * replicate 0 answered from an existing label (its recorded cost, not paid by this job).
 */
export const bakeoffItems = sqliteTable(
  "bakeoff_items",
  {
    job_id: text("job_id").notNull(),
    oracle: text("oracle").notNull(),
    article_id: text("article_id").notNull(),
    replicate: integer("replicate").notNull(),
    state: text("state", { enum: ["pending", "done", "failed"] }).notNull(),
    reused: integer("reused", { mode: "boolean" }).notNull().default(false),
    scores: text("scores", { mode: "json" }).$type<Record<string, number>>(),
    categories: text("categories", { mode: "json" }).$type<Record<string, string>>(),
    overall: real("overall"),
    tier: text("tier"),
    tokens_input: integer("tokens_input").notNull().default(0),
    tokens_output: integer("tokens_output").notNull().default(0),
    tokens_thinking: integer("tokens_thinking").notNull().default(0),
    cost_usd: real("cost_usd").notNull().default(0),
    attempts: integer("attempts").notNull().default(0),
    reason: text("reason"),
    message: text("message"),
    claim_id: text("claim_id"),
    claim_expires_at: text("claim_expires_at"),
    reserved_usd: real("reserved_usd").notNull().default(0),
    updated_at: text("updated_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.job_id, t.oracle, t.article_id, t.replicate] }),
    index("bakeoff_items_by_state").on(t.job_id, t.state),
  ],
);

/**
 * Which model scores a filter in production: each row promotes one model; the newest row per filter
 * is the promoted model (older rows are its history). `override` marks an admin's promotion past the
 * gate, with its reason (also in the audit log); `comparison` is the gate's evidence.
 */
export const filterPromotions = sqliteTable(
  "filter_promotions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    filter: text("filter").notNull(),
    model_id: text("model_id").notNull(),
    promoted_at: text("promoted_at").notNull().default(now),
    token_id: text("token_id"),
    override: integer("override", { mode: "boolean" }).notNull().default(false),
    reason: text("reason"),
    comparison: text("comparison", { mode: "json" }),
  },
  (t) => [index("promotions_by_filter").on(t.filter, t.promoted_at)],
);

/**
 * The drift audit's time series: one row per audit of a filter (oracle labels of recently scored
 * articles against the promoted model's predictions and its eval's promises). Figures are null with
 * a reason in `missing` when they could not be computed.
 */
export const filterHealth = sqliteTable(
  "filter_health",
  {
    id: text("id").primaryKey(),
    filter: text("filter").notNull(),
    filter_version: integer("filter_version").notNull(),
    model_id: text("model_id"),
    /** The oracle job that labelled the audit's sample. */
    oracle_job_id: text("oracle_job_id"),
    state: text("state", { enum: ["running", "done", "failed"] }).notNull(),
    started_at: text("started_at").notNull().default(now),
    finished_at: text("finished_at"),
    /** The audit's figures, bands and alerts (`filterHealthPointSchema` in shared). */
    figures: text("figures", { mode: "json" }),
  },
  (t) => [index("health_by_filter").on(t.filter, t.started_at)],
);
