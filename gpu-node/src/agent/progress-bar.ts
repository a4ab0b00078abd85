/**
 * @module
 * What the agent shows while a job runs: a live progress bar (step, loss, examples/s, ETA, GPU memory)
 * when stderr is a terminal, otherwise nothing extra (the log lines say when jobs start and end).
 */
import type { JobProgress } from "@distillery/shared";
import cliProgress from "cli-progress";

export class ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null;
  private jobId: string | null = null;

  constructor(private readonly enabled = Boolean(process.stderr.isTTY)) {}

  update(jobId: string, progress: JobProgress): void {
    if (!this.enabled) return;
    const total = progress.total ?? 0;
    const payload = {
      job: jobId,
      loss: progress.loss == null ? "-" : progress.loss.toFixed(4),
      rate: progress.examples_per_s == null ? "-" : progress.examples_per_s.toFixed(1),
      mem: progress.gpu_mem_gb == null ? "-" : `${progress.gpu_mem_gb.toFixed(1)} GB`,
    };
    if (this.jobId !== jobId || !this.bar) {
      this.stop();
      this.jobId = jobId;
      this.bar = new cliProgress.SingleBar(
        {
          format:
            "{job} [{bar}] {value}/{total} | loss {loss} | {rate} ex/s | eta {eta_formatted} | gpu {mem}",
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, progress.done, payload);
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(progress.done, payload);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
    this.jobId = null;
  }
}
