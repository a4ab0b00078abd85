/**
 * @module
 * Every error `code` the edge can answer with or record, listed once: its HTTP status and what it means.
 * `docs/api.md` renders this table (`npm run -w shared docs:errors`), and a test fails when the code
 * throws a code that is not here, so clients can rely on the list being complete.
 *
 * `status: null` marks a code that is never an HTTP answer: it is recorded on a job (`job.error.code`)
 * or counted per article in an oracle job's failures.
 */

/** One registered code. */
export interface ErrorCodeEntry {
  /** The HTTP status the API answers with, or null when the code only appears on jobs and articles. */
  readonly status: number | null;
  /** What happened, and what the caller can do about it. */
  readonly meaning: string;
}

export const ERROR_CODES = {
  // Requests
  "request.invalid": {
    status: 400,
    meaning: "A field, parameter or header failed validation; `details` names each one.",
  },
  "request.invalid_utf8": {
    status: 400,
    meaning:
      "The body is not valid UTF-8; `details` gives the offset of the first bad byte (NDJSON: that line alone).",
  },
  "request.malformed_json": { status: 400, meaning: "The body is not valid JSON." },
  "request.empty": {
    status: 400,
    meaning: "The body holds nothing to process (no articles, no lines, no bytes).",
  },
  "request.too_large": { status: 413, meaning: "The body is over the route's size limit." },
  "route.not_found": { status: 404, meaning: "No route matches the method and path." },
  "http.<status>": {
    status: null,
    meaning: "A protocol-level refusal by the HTTP framework, with that status (e.g. `http.405`).",
  },
  internal: {
    status: 500,
    meaning: "A bug on our side; the body never holds internals, the server log has them.",
  },
  "config.invalid": {
    status: 500,
    meaning: "The edge's own configuration is invalid (an operator error, not the caller's).",
  },
  // Auth
  "auth.missing_token": { status: 401, meaning: "No `Authorization: Bearer` token was sent." },
  "auth.invalid_token": { status: 401, meaning: "The token is unknown or revoked." },
  "auth.forbidden": {
    status: 403,
    meaning: "The token's role may not use this route or act on this resource.",
  },
  "token.not_found": { status: 404, meaning: "No token with that id." },
  // Articles, filters, imports
  "article.not_found": { status: 404, meaning: "No article with that id." },
  "filter.not_found": { status: 404, meaning: "No filter with that name (or version)." },
  "filter.invalid": {
    status: 400,
    meaning: "The filter definition is invalid; `details` names the field and line.",
  },
  "filter.version_conflict": {
    status: 409,
    meaning: "A different filter is already stored under that version.",
  },
  "filter.file_missing": {
    status: 400,
    meaning: "A filter folder lacks `filter.yaml` or `prompt.md` (CLI).",
  },
  "import.filter_invalid": {
    status: 400,
    meaning: "A legacy filter could not be converted; `details` says why.",
  },
  "import.not_a_filter": { status: 400, meaning: "The imported file is not a legacy filter definition." },
  "import.weights_sum": { status: 400, meaning: "A legacy filter's dimension weights do not sum to 1." },
  "import.upload_missing": { status: null, meaning: "An import job's uploaded file is gone from storage." },
  "upload.not_found": { status: 404, meaning: "No upload with that id." },
  "upload.not_uploading": {
    status: 409,
    meaning: "The upload is already complete or aborted; parts are refused.",
  },
  "upload.part_size": {
    status: 400,
    meaning: "A part is smaller than the storage minimum (all but the last).",
  },
  "upload.incomplete": {
    status: 409,
    meaning: "The upload is missing parts, so it cannot be completed or imported.",
  },
  // Webhooks
  "webhook.invalid_signature": {
    status: 401,
    meaning: "The webhook signature does not verify with any active secret.",
  },
  "webhook.source_mismatch": {
    status: 403,
    meaning:
      "The article's `data.source` is not the source the signing secret was created for; nothing stored.",
  },
  "webhook.stale_timestamp": {
    status: 401,
    meaning: "The webhook timestamp is outside the five-minute tolerance.",
  },
  "webhook_secret.not_found": { status: 404, meaning: "No webhook secret with that id." },
  // Datasets, jobs, models
  "dataset.not_found": { status: 404, meaning: "No labelled dataset for that filter (or that split)." },
  "dataset.no_labels": {
    status: 409,
    meaning: "The filter has no oracle labels yet; run an oracle job first.",
  },
  "dataset.no_rows": { status: 404, meaning: "The dataset split the job needs is empty." },
  "job.not_found": { status: 404, meaning: "No job with that id." },
  "job.invalid_spec": {
    status: 400,
    meaning: "The job's spec is invalid for its kind; `details` names the field.",
  },
  "job.conflict": {
    status: 409,
    meaning: "The change conflicts with the job's current state (e.g. already leased).",
  },
  "job.finished": { status: 409, meaning: "The job already ended; it cannot be changed." },
  "job.invalid_transition": { status: 409, meaning: "The job cannot move from its state to the one asked." },
  "job.not_gpu": { status: 400, meaning: "The job is not a GPU-node job (train, eval, infer)." },
  "job.not_infer": {
    status: 400,
    meaning: "The job is not an infer job, so it has no predictions to upload.",
  },
  "job.not_oracle": { status: 409, meaning: "The job is not an oracle job." },
  "job.input_unknown": { status: 404, meaning: "The job has no input with that name." },
  "job.redrive_failed": {
    status: null,
    meaning:
      "Re-driving stalled jobs failed in the minute task; `details` names each job; retried after 2 quiet minutes.",
  },
  "job.no_report": {
    status: 404,
    meaning: "The job has no report (it is not an eval job, or has not finished).",
  },
  "job.no_predictions": { status: 400, meaning: "The infer job finished without predictions." },
  "job.no_cascade": { status: 400, meaning: "The job has no cascade plan to act on." },
  "report.not_found": { status: 404, meaning: "The job's report is missing from storage." },
  "shard.not_found": { status: 404, meaning: "No input shard with that index for the job." },
  "selection.unsupported": {
    status: 400,
    meaning: "The article selection type is not supported for this job kind.",
  },
  "model.not_found": { status: 404, meaning: "No model with that id." },
  "drift.no_promoted_model": {
    status: 409,
    meaning: "A drift audit was asked for a filter with no promoted model; promote one first.",
  },
  "drift.audit_running": {
    status: 409,
    meaning:
      "A drift audit of the filter is already running; wait for it to end (`GET /v1/filters/{name}/health`).",
  },
  "model.no_artifact": { status: 409, meaning: "The model's artifact has not been uploaded yet." },
  // Promotion
  "promotion.refused": {
    status: 409,
    meaning:
      "The candidate does not beat the promoted model on the same random test labels; `details` gives each failed check with both figures. Nothing was stored.",
  },
  "promotion.needs_eval": {
    status: 409,
    meaning:
      "A model has no succeeded eval job on the candidate's dataset; the message and `details` name the eval job to create.",
  },
  "promotion.none": {
    status: 400,
    meaning: "The scoring job names a filter with no promoted model: name a `model_id`, or promote one.",
  },
  "promotion.wrong_filter": { status: 400, meaning: "The model was trained for another filter." },
  "promotion.already_promoted": { status: 409, meaning: "The model is already the filter's promoted model." },
  "artifact.not_found": { status: 404, meaning: "The model's artifact is missing from storage." },
  "artifact.checksum": {
    status: 400,
    meaning: "The uploaded artifact's SHA-256 does not match the one declared.",
  },
  "artifact.checksum_missing": { status: 400, meaning: "An artifact upload must declare its SHA-256." },
  "artifact.lease_required": {
    status: 400,
    meaning: "An artifact upload must send the train job's lease (`x-distillery-lease-id`).",
  },
  "artifact.length_required": { status: 411, meaning: "An artifact upload must send `Content-Length`." },
  "artifact.too_large": { status: 413, meaning: "The artifact is over `ARTIFACT_MAX_BYTES`." },
  "artifact.lease_not_held": {
    status: 403,
    meaning: "The lease is not live, is not this model's train job, or its node belongs to another token.",
  },
  "artifact.exists": {
    status: 409,
    meaning:
      "The model is registered, or this lease already uploaded different bytes; a stored checksum never changes.",
  },
  "lease.not_held": {
    status: null,
    meaning:
      "WebSocket `error`: a chunk, result or failure under a lease this node does not hold; nothing stored.",
  },
  "artifact.missing": { status: 409, meaning: "A training job finished without uploading its artifact." },
  "predictions.not_found": { status: 404, meaning: "The infer job has no stored predictions." },
  "queue.retries_exhausted": {
    status: null,
    meaning:
      "A queue message failed on every delivery: the import job fails (or the oracle article), naming the last error.",
  },
  "bakeoff.duplicate_oracle": {
    status: 400,
    meaning:
      "A bake-off names the same provider, model and thinking setting twice; each contestant may appear once (two thinking settings of one model may compete).",
  },
  "bakeoff.nothing_answered": {
    status: null,
    meaning:
      "No oracle of the bake-off answered any article (every call failed, or the budget cap held none); the job ends failed with the report attached.",
  },
  "bakeoff.start_interrupted": {
    status: null,
    meaning: "The bake-off's start stopped before its items were written; create the job again.",
  },
  "calibration.no_overlap": {
    status: 409,
    meaning: "No article has both an oracle label and a prediction to calibrate on.",
  },
  "cascade.no_scale": {
    status: 400,
    meaning: "The model's predictions carry no interval scale to rank a cascade by.",
  },
  "scores.missing_dimension": {
    status: null,
    meaning: "A score set lacks a dimension the filter needs (tier left empty).",
  },
  "result.invalid": {
    status: null,
    meaning: "The node sent a result that does not match the job kind's schema.",
  },
  "eval.predictions_missing": {
    status: null,
    meaning: "An eval result lacked a prediction for a test article.",
  },
  // Exports and events
  "export.link_invalid": { status: 403, meaning: "The signed export link's signature does not verify." },
  "export.link_expired": { status: 403, meaning: "The signed export link has expired; ask for a new one." },
  "events.websocket_required": { status: 426, meaning: "`/v1/events` only speaks WebSocket." },
  "nodes.websocket_required": { status: 426, meaning: "`/v1/nodes/connect` only speaks WebSocket." },
  // Oracle (per-article failures of oracle jobs; counted in the job's progress)
  "oracle.rate_limited": { status: null, meaning: "The provider answered 429; retried within the quota." },
  "oracle.timeout": { status: null, meaning: "The call timed out (408, 504 or no answer in time); retried." },
  "oracle.server_error": { status: null, meaning: "The provider answered 500, 502 or another 5xx; retried." },
  "oracle.unavailable": { status: null, meaning: "The provider answered 503 (overloaded); retried." },
  "oracle.bad_request": {
    status: null,
    meaning: "The provider refused the request (400), e.g. a setting the model does not take; not retried.",
  },
  "oracle.unauthorized": { status: null, meaning: "The provider refused the key (401); not retried." },
  "oracle.forbidden": { status: null, meaning: "The key may not use this model or API (403); not retried." },
  "oracle.model_not_found": { status: null, meaning: "The provider has no such model (404); not retried." },
  "oracle.rejected": {
    status: null,
    meaning: "The provider refused the call with another 4xx; not retried.",
  },
  "oracle.network": { status: null, meaning: "The call failed at the network level; retried." },
  "oracle.unexpected": {
    status: null,
    meaning: "The provider refused the call in a way retrying will not fix.",
  },
  "oracle.safety_blocked": {
    status: null,
    meaning: "The provider blocked the prompt or answer for safety (or the model refused).",
  },
  "oracle.truncated": {
    status: null,
    meaning:
      "The answer was cut at the output limit (thinking counts against it) twice, or the budget could not hold the retry with twice the limit; both calls are billed, nothing is stored.",
  },
  "oracle.invalid_json": { status: null, meaning: "The answer was not JSON, even after repair." },
  "oracle.schema_mismatch": {
    status: null,
    meaning: "The answer's JSON did not match the filter's response schema.",
  },
  "oracle.score_out_of_range": {
    status: null,
    meaning: "The answer gave a score outside 0-10; refused, not clamped.",
  },
  "oracle.all_failed": {
    status: null,
    meaning:
      "Every article the oracle job sent failed; the job ends failed and the message counts them by reason.",
  },
  "oracle.start_interrupted": {
    status: null,
    meaning: "The oracle job's start stopped before its articles were written; create the job again.",
  },
  "oracle.batch_missing_result": {
    status: null,
    meaning: "The Batch Mode batch succeeded but its results had no line for this article.",
  },
  "oracle.batch_failed": {
    status: null,
    meaning: "The Batch Mode batch ended failed; its articles were not labelled.",
  },
  "oracle.batch_cancelled": {
    status: null,
    meaning: "The Batch Mode batch was cancelled before it answered.",
  },
  "oracle.batch_expired": {
    status: null,
    meaning:
      "The Batch Mode batch expired (Gemini keeps one for 48 hours, OpenAI's completion window is 24 hours) before it answered.",
  },
  "oracle.batch_upload_failed": {
    status: null,
    meaning: "Uploading the Batch Mode input file, or creating its batch, failed; create the job again.",
  },
  "oracle.batch_download_failed": {
    status: null,
    meaning: "The Batch Mode results file could not be downloaded; the next cron run tries again.",
  },
  "oracle.article_missing": {
    status: null,
    meaning: "The article was deleted after the oracle job selected it, so there was nothing to send.",
  },
  "oracle.invalid_setting": {
    status: 400,
    meaning:
      "The job's oracle override names a thinking setting the model family does not take, or a provider without a model.",
  },
  "oracle.batch_unsupported": {
    status: 400,
    meaning:
      "Batch Mode was asked for with a provider that has no batch support here: Gemini, and `openai` only when OPENAI_BATCH=true says its endpoint has OpenAI's Batch API.",
  },
  "oracle.unknown_price": {
    status: 400,
    meaning: "The oracle model has no price, so a budget cannot be enforced.",
  },
  // Client library (never sent by the edge; thrown by `@distillery/shared`'s API client)
  "edge.unreachable": {
    status: null,
    meaning: "The client could not reach the edge at all (CLI, bot, node).",
  },
  "python.unavailable": {
    status: null,
    meaning:
      "Node and CLI: the Python environment could not be prepared (a job fails with it; the message says why).",
  },
  "start.port_in_use": {
    status: null,
    meaning:
      "CLI, tests, benchmarks: the port `wrangler dev` should use already answers; stop what holds it.",
  },
  "start.service_exited": {
    status: null,
    meaning: "CLI: `wrangler dev` exited before it answered its health check.",
  },
  "start.timeout": { status: null, meaning: "CLI: `wrangler dev` did not answer its health check in time." },
  "docs.markers_missing": {
    status: null,
    meaning: "Build tooling: `docs/api.md` lost its error-table markers.",
  },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `code` is registered (a `http.<status>` code matches its pattern entry). */
export function isRegisteredErrorCode(code: string): boolean {
  return code in ERROR_CODES || /^http\.\d{3}$/.test(code);
}

/** The Markdown table `docs/api.md` embeds between its error-code markers. */
export function renderErrorCodeTable(): string {
  const rows = Object.entries(ERROR_CODES)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([code, entry]) => `| \`${code}\` | ${entry.status ?? "–"} | ${entry.meaning.replaceAll("|", "\\|")} |`,
    );
  return ["| code | HTTP status | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}
