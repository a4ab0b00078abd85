/**
 * @module
 * The job state machine. `queued → running → succeeded | failed | cancelled`; `running ⇄ paused`
 * (budget caps); `running → queued` when a lease is lost and the job is offered again. Terminal
 * states never change. Transitions are compare-and-set in SQL, so two writers cannot both win.
 */
import { DistilleryError, type JobState, TERMINAL_JOB_STATES } from "@distillery/shared";

export const ALLOWED_TRANSITIONS: Record<JobState, readonly JobState[]> = {
  queued: ["running", "failed", "cancelled"],
  running: ["succeeded", "failed", "cancelled", "paused", "queued"],
  paused: ["running", "queued", "failed", "cancelled"],
  succeeded: [],
  failed: [],
  cancelled: [],
};

/** The states a job may be in to move to `to`. */
export function statesLeadingTo(to: JobState): JobState[] {
  return (Object.keys(ALLOWED_TRANSITIONS) as JobState[]).filter((from) =>
    ALLOWED_TRANSITIONS[from].includes(to),
  );
}

export function isTerminal(state: JobState): boolean {
  return TERMINAL_JOB_STATES.includes(state);
}

/** Throws `job.invalid_transition` (409) unless `from → to` is allowed. */
export function assertTransition(jobId: string, from: JobState, to: JobState): void {
  if (!ALLOWED_TRANSITIONS[from].includes(to)) {
    throw new DistilleryError(
      "job.invalid_transition",
      `job ${jobId} is ${from} and cannot become ${to}` +
        (isTerminal(from) ? " (it has already finished)" : ""),
      { status: 409, details: [{ path: "state", issue: `${from} → ${to} is not allowed` }] },
    );
  }
}
