/**
 * @module
 * The bot's view of the edge API: the calls its commands make, each typed with the shared schemas,
 * sent with the bot token and the Discord user's id (`x-distillery-discord-user`, so the edge's audit
 * log names who did it). Error bodies become `DistilleryError`; a refused connection or timeout
 * becomes `EdgeUnreachableError`, which the dispatcher turns into "the edge is unreachable".
 * This is a thin stand-in until the shared `DistilleryClient` lands; the method names follow it.
 */
import {
  DISCORD_USER_HEADER,
  DistilleryError,
  type EvalReport,
  errorBodySchema,
  evalReportSchema,
  type FilterRecord,
  type FilterSummary,
  type Job,
  type JobListQuery,
  type JobSpec,
  jobSchema,
  type jobSpecSchema,
  type NodeInfo,
  nodeInfoSchema,
} from "@distillery/shared";
import { z } from "zod";

/** The spend summary the bot expects from `GET /v1/oracle/spend` (not in the shared schemas yet). */
const oracleSpendSchema = z.object({ today_usd: z.number(), budget_usd: z.number() });

/** The edge could not be reached at all (connection refused, DNS, timeout). */
export class EdgeUnreachableError extends Error {
  constructor(
    readonly edgeUrl: string,
    cause: unknown,
  ) {
    super(`Distillery's edge is unreachable at ${edgeUrl}`, { cause });
    this.name = "EdgeUnreachableError";
  }
}

export type EdgeClientOptions = {
  baseUrl: string;
  token: string | undefined;
  /** The Discord user the calls are made for (audit log). */
  discordUser?: string;
  timeoutMs?: number;
};

export type JobSpecInput = z.input<typeof jobSpecSchema>;
type Page<T> = { items: T[]; next_cursor: string | null };

export class EdgeClient {
  constructor(readonly options: EdgeClientOptions) {}

  /** The same client acting for another Discord user. */
  forUser(discordUser: string): EdgeClient {
    return new EdgeClient({ ...this.options, discordUser });
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (this.options.discordUser) headers[DISCORD_USER_HEADER] = this.options.discordUser;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      throw new EdgeUnreachableError(this.options.baseUrl, error);
    }
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!response.ok) {
      const parsed = errorBodySchema.safeParse(json);
      if (parsed.success) {
        const { code, message, details } = parsed.data.error;
        throw new DistilleryError(code, message, { status: response.status, details });
      }
      if (response.status >= 500)
        throw new EdgeUnreachableError(this.options.baseUrl, new Error(`HTTP ${response.status}`));
      throw new DistilleryError("edge.unexpected", `the edge answered HTTP ${response.status}`, {
        status: response.status,
      });
    }
    return json as T;
  }

  createJob(spec: JobSpecInput): Promise<Job> {
    return this.request<Job>("POST", "/v1/jobs", spec).then((j) => jobSchema.parse(j));
  }
  getJob(id: string): Promise<Job> {
    return this.request<Job>("GET", `/v1/jobs/${encodeURIComponent(id)}`).then((j) => jobSchema.parse(j));
  }
  listJobs(query: Partial<JobListQuery> = {}): Promise<Page<Job>> {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    return this.request<Page<Job>>("GET", `/v1/jobs?${params}`);
  }
  cancelJob(id: string): Promise<Job> {
    return this.request<Job>("POST", `/v1/jobs/${encodeURIComponent(id)}/cancel`);
  }
  setJobNotify(id: string, notify: { channel_id: string; message_id: string }): Promise<Job> {
    return this.request<Job>("PUT", `/v1/jobs/${encodeURIComponent(id)}/notify`, notify);
  }
  async getEvalReport(jobId: string): Promise<EvalReport> {
    return evalReportSchema.parse(await this.request("GET", `/v1/jobs/${encodeURIComponent(jobId)}/report`));
  }
  listFilters(): Promise<Page<FilterSummary>> {
    return this.request("GET", "/v1/filters");
  }
  getFilter(name: string, version?: number): Promise<FilterRecord> {
    const path = version ? `/v1/filters/${name}/versions/${version}` : `/v1/filters/${name}`;
    return this.request("GET", path);
  }
}

export type { JobSpec };

/** Calls for endpoints the bot needs beyond jobs; paths follow the issue's API list. */
export class EdgeCatalog {
  constructor(private client: EdgeClient) {}
  listDatasets(
    filter?: string,
  ): Promise<Page<{ id: string; filter: string; filter_version: number; created_at: string }>> {
    return this.client.request("GET", `/v1/datasets${filter ? `?filter=${encodeURIComponent(filter)}` : ""}`);
  }
  listModels(
    filter?: string,
  ): Promise<Page<{ id: string; filter: string; base_model: string; created_at: string }>> {
    return this.client.request("GET", `/v1/models${filter ? `?filter=${encodeURIComponent(filter)}` : ""}`);
  }
  buildDataset(filter: string, version?: number): Promise<Record<string, unknown>> {
    return this.client.request("POST", "/v1/datasets", {
      filter,
      ...(version ? { filter_version: version } : {}),
    });
  }
  async listNodes(): Promise<{ items: NodeInfo[] }> {
    return z.object({ items: z.array(nodeInfoSchema) }).parse(await this.client.request("GET", "/v1/nodes"));
  }
  /** Today's oracle spend; null when the edge does not report it in this shape. */
  async oracleSpend(): Promise<{ today_usd: number; budget_usd: number } | null> {
    const parsed = oracleSpendSchema.safeParse(await this.client.request("GET", "/v1/oracle/spend"));
    return parsed.success ? parsed.data : null;
  }
  exportLink(kind: "labels" | "predictions", filter: string): Promise<{ url: string; expires_at: string }> {
    return this.client.request("POST", `/v1/exports/${kind}/link`, { filter });
  }
}
