/**
 * @module
 * Which node can run which GPU job. A job needs a node that offers its job kind and, when the node says
 * which student kinds its Python environment runs (`capabilities.student_kinds`), the job's student kind:
 * a train job's student (the job's own choice, else its filter's default), an eval or scoring job's
 * model. A CPU-only node (the `cpu` Python profile: probe and lexical) is never offered a `regression`
 * job, and neither is a node with torch whose CUDA does not work (`CUDA_STUDENT_KINDS` need `cuda: true`
 * even where an older Python package still lists them); `encoder` needs torch, on a GPU or not. A job that
 * no connected node can run waits with a reason a person can act on, shown as the job's
 * `progress.message` (`GET /v1/jobs/{id}`, the bot's job message).
 */
import {
  CUDA_STUDENT_KINDS,
  type JobSpec,
  type NodeCapabilities,
  type StudentKind,
  TORCH_STUDENT_KINDS,
} from "@distillery/shared";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { loadDataset, loadModel } from "./context";

/** What a GPU job asks of a node. `student` is null when it could not be resolved (the offer then fails the job). */
export type JobNeeds = { kind: "train" | "eval" | "infer"; student: StudentKind | null };

/** Every waiting reason starts with this, so a stale one is told apart from a node's own message. */
export const WAITING_PREFIX = "waiting: ";

const VERBS: Record<JobNeeds["kind"], string> = { train: "train", eval: "evaluate", infer: "score with" };

/**
 * Whether a node with `capabilities` can run a job with `needs`.
 * @example
 * canRun({ ...caps, job_kinds: ["train"], student_kinds: ["lexical", "probe"] }, { kind: "train", student: "regression" }); // false
 */
export function canRun(capabilities: NodeCapabilities, needs: JobNeeds): boolean {
  if (!capabilities.job_kinds.includes(needs.kind)) return false;
  if (needs.student === null || capabilities.student_kinds === undefined) return true;
  if (CUDA_STUDENT_KINDS.includes(needs.student) && !capabilities.cuda) return false;
  return capabilities.student_kinds.includes(needs.student);
}

/** What to start so that a job of `student` can run. */
function startHint(student: StudentKind, nodes: readonly NodeCapabilities[]): string {
  if (CUDA_STUDENT_KINDS.includes(student)) {
    const withoutCuda = nodes.filter((node) => node.torch !== null && !node.cuda).length;
    return withoutCuda > 0
      ? `they need a CUDA GPU, and ${withoutCuda === 1 ? "the connected node with torch has" : `the ${withoutCuda} connected nodes with torch have`} none that works (\`npm run py -- doctor\` on it says why): start a GPU node`
      : "start a GPU node";
  }
  if (TORCH_STUDENT_KINDS.includes(student)) {
    return "start a node with the full Python profile (torch; a GPU makes it much faster)";
  }
  return "start a node (npx distillery-node; no GPU needed)";
}

/**
 * Why a job waits although it is queued: null when a connected node can run it (it waits, if at all,
 * only for that node to be free), else what to start.
 * @example
 * waitingReason({ kind: "train", student: "regression" }, [cpuNode]);
 * // "waiting: no connected node can train `regression` students: start a GPU node"
 */
export function waitingReason(needs: JobNeeds, nodes: readonly NodeCapabilities[]): string | null {
  if (nodes.some((capabilities) => canRun(capabilities, needs))) return null;
  if (needs.student === null) {
    return `${WAITING_PREFIX}no connected node runs ${needs.kind} jobs: start a node (npx distillery-node)`;
  }
  const hint = startHint(needs.student, nodes);
  return `${WAITING_PREFIX}no connected node can ${VERBS[needs.kind]} \`${needs.student}\` students: ${hint}`;
}

/** The student kind a GPU job runs: its own choice or its filter's default (train), its model's (eval, infer). */
export async function studentKindOf(env: Env, spec: JobSpec): Promise<StudentKind> {
  if (spec.kind === "train") {
    if (spec.student.kind) return spec.student.kind;
    const dataset = await loadDataset(env, spec.dataset_id);
    return (await loadFilter(env, dataset.filter, dataset.filter_version)).student.kind;
  }
  if (spec.kind === "eval" || spec.kind === "infer") {
    return (await loadModel(env, spec.model_id)).kind as StudentKind;
  }
  throw new Error(`${spec.kind} jobs do not run on GPU nodes`);
}
