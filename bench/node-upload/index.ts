/**
 * `npm run bench -- node-upload [--articles N] [--agents N] [--lease-ms MS]`
 *
 * A scoring job over N generated articles (default 200K) run by real `distillery-node` agents against a
 * local `wrangler dev`, with the stub Python module emitting predictions as fast as it can, so the
 * figure is what the agent → hub → D1 path sustains (the GPU must never wait on it: 1M articles/h is
 * ~280/s). Then a second job whose node is killed mid-run: the time until another node has it again.
 * Prints progress on stderr and one line of JSON: predictions stored per second, re-offer time.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exampleFilter, jobSchema, waitForJob } from "@distillery/shared";
import { sha256HexSync } from "@distillery/shared/node";
import { killGroup, prepareEdge, sqlString, startAgent, startEdge, waitFor } from "../../tests/node-harness";

const { values } = parseArgs({
  options: {
    articles: { type: "string", default: "200000" },
    agents: { type: "string", default: "1" },
    "lease-ms": { type: "string", default: "3000" },
    port: { type: "string", default: "8818" },
  },
});
const articles = Number(values.articles);
const agentCount = Number(values.agents);
const leaseMs = Number(values["lease-ms"]);
const log = (line: string) => console.error(`[node-upload] ${line}`);
const filter = exampleFilter();

// The model the stub "loads": its distillery.json names the filter's dimensions. It is seeded into R2
// with the model row, as a finished train job would have left it (the edge takes an artifact only from
// the node that holds the train job's lease).
const modelDir = mkdtempSync(join(tmpdir(), "bench-model-"));
writeFileSync(
  join(modelDir, "distillery.json"),
  JSON.stringify({ dimensions: filter.dimensions.map((d) => d.key) }),
);
const archive = join(mkdtempSync(join(tmpdir(), "bench-archive-")), "model.tar.gz");
execFileSync("tar", ["-czf", archive, "-C", modelDir, "."]);
const artifact = new Uint8Array(readFileSync(archive));
const artifactSha256 = sha256HexSync(artifact);
const artifactKey = "models/mdl_bench/adapter.tar.gz";

log(`seeding ${articles} articles…`);
const prepared = await prepareEdge({
  r2: { [artifactKey]: artifact },
  seedSql: [
    `INSERT INTO filters (name, version, package, prompt_hash, description, created_by) VALUES (${sqlString(filter.name)}, 1, ${sqlString(filter)}, 'h', 'bench', 'bench');`,
    `INSERT INTO datasets (id, filter, filter_version, seed, report, content_hash) VALUES ('ds_bench', ${sqlString(filter.name)}, 1, 42, '{}', 'bench');`,
    `INSERT INTO student_models (id, filter, filter_version, dataset_id, kind, base_model, backend, artifact_key, artifact_sha256) VALUES ('mdl_bench', ${sqlString(filter.name)}, 1, 'ds_bench', 'regression', 'stub', 'stub', '${artifactKey}', '${artifactSha256}');`,
    `INSERT INTO articles (id, url, normalized_url, content_hash, title, body, body_chars, language, source)
     WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${articles - 1})
     SELECT printf('art-%07d', i), 'https://bench.example/' || i, 'bench.example/' || i, 'h' || i, 'Article ' || i,
       'Solar farm number ' || i || ' reached full output this week, the operator said.', 60, 'en', 'bench' FROM n;`,
  ],
});
const edge = await startEdge(prepared, { port: Number(values.port), leaseMs, pollMs: 250 });
const running: ReturnType<typeof startAgent>[] = [];
try {
  const jobState = async (id: string) =>
    (await (await edge.api(`/v1/jobs/${id}`)).json()) as {
      state: string;
      attempts: number;
      progress: { done: number };
      result: Record<string, number> | null;
      error: unknown;
    };

  for (let i = 0; i < agentCount; i++)
    running.push(startAgent(edge, { token: edge.nodeToken, name: `bench-${i}` }));
  const createdAt = Date.now();
  const created = await edge.api("/v1/jobs", {
    json: { kind: "infer", model_id: "mdl_bench", shards: agentCount },
  });
  if (created.status !== 201)
    throw new Error(`job creation answered ${created.status}: ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  log(`job ${id}: scoring ${articles} articles on ${agentCount} agent(s)…`);
  let firstStoredAt: number | null = null;
  const finished = await waitForJob(
    { getJob: async (jobId) => jobSchema.parse(await (await edge.api(`/v1/jobs/${jobId}`)).json()) },
    id,
    {
      intervalMs: 100,
      timeoutMs: 30 * 60_000,
      onPoll: (job) => {
        if (firstStoredAt === null && job.progress.done > 0) firstStoredAt = Date.now();
      },
    },
  );
  const doneAt = Date.now();
  if (finished.state !== "succeeded")
    throw new Error(`the scoring job failed: ${JSON.stringify(finished.error)}`);
  const stored = Number(finished.result?.predictions ?? 0);
  // From the first stored chunk the job reported (progress is published about once a second, so a
  // job that finishes within a second of its first chunk has no meaningful figure: use more articles).
  const storeSeconds =
    firstStoredAt === null || doneAt - firstStoredAt < 1_000 ? null : (doneAt - firstStoredAt) / 1000;
  log(
    `stored ${stored} predictions, ${((doneAt - createdAt) / 1000).toFixed(1)} s after the job was created`,
  );

  // Re-offer: a slow job, its node killed mid-run, a spare node waiting.
  await Promise.all(running.splice(0).map((agent) => killGroup(agent.child)));
  const victim = startAgent(edge, {
    token: edge.nodeToken,
    name: "victim",
    env: { STUB_CHUNK_DELAY_S: "0.2" },
  });
  running.push(victim);
  const second = await edge.api("/v1/jobs", {
    json: { kind: "infer", model_id: "mdl_bench", selection: { type: "query", limit: 20_000 } },
  });
  const secondId = ((await second.json()) as { id: string }).id;
  await waitFor(
    "the second job to make progress",
    async () => ((await jobState(secondId)).progress.done > 0 ? true : undefined),
    120_000,
  );
  const spare = startAgent(edge, {
    token: edge.nodeToken,
    name: "spare",
    env: { STUB_CHUNK_DELAY_S: "0.2" },
  });
  running.push(spare);
  await waitFor("the spare node to connect", async () => {
    const nodes = (await (await edge.api("/v1/nodes")).json()) as { items: { name: string }[] };
    return nodes.items.some((n) => n.name === "spare") ? true : undefined;
  });
  await killGroup(victim.child, "SIGKILL");
  const killedAt = Date.now();
  await waitFor(
    "the job to be re-offered",
    async () => ((await jobState(secondId)).attempts >= 2 ? true : undefined),
    10 * leaseMs,
  );
  const reofferMs = Date.now() - killedAt;
  log(`re-offered ${reofferMs} ms after the node died (lease ${leaseMs} ms)`);

  console.log(
    JSON.stringify({
      bench: "node-upload",
      articles,
      agents: agentCount,
      predictions_stored: stored,
      store_seconds: storeSeconds === null ? null : Number(storeSeconds.toFixed(2)),
      predictions_per_s: storeSeconds === null ? null : Math.round(stored / storeSeconds),
      end_to_end_per_s: Math.round(stored / ((doneAt - createdAt) / 1000)),
      lease_ms: leaseMs,
      reoffer_ms: reofferMs,
      reoffer_lease_periods: Number((reofferMs / leaseMs).toFixed(2)),
    }),
  );
} finally {
  await Promise.all(running.map((agent) => killGroup(agent.child)));
  await edge.stop();
}
