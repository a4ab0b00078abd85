/**
 * @module
 * Progress of `distill`'s long steps: a live bar (cli-progress) when stderr is a terminal, otherwise
 * one line each time another tenth is done, so logs and tests stay readable.
 */
import { SingleBar } from "cli-progress";
import type { Io } from "../io";

export type Progress = {
  update: (done: number, total: number | null, detail?: string) => void;
  stop: () => void;
};

/** A progress display for one named step. */
export function startProgress(step: string, io: Io, live = process.stderr.isTTY === true): Progress {
  if (live) {
    const bar = new SingleBar({
      format: `${step.padEnd(10)} [{bar}] {percentage}% | {value}/{total} {detail}`,
      stream: process.stderr,
      hideCursor: true,
    });
    let started = false;
    return {
      update(done, total, detail = "") {
        if (!started) {
          bar.start(total ?? done, 0, { detail });
          started = true;
        }
        if (total !== null) bar.setTotal(total);
        bar.update(done, { detail });
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastTenth = -1;
  return {
    update(done, total, detail = "") {
      if (!total) return;
      const tenth = Math.floor((10 * done) / total);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      io.err(
        `distillery: ${step} ${Math.round((100 * done) / total)}% (${done}/${total})${detail ? ` ${detail}` : ""}\n`,
      );
    },
    stop: () => {},
  };
}
