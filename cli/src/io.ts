/**
 * @module
 * Where a command writes: `out` for results (stdout), `err` for progress, warnings and errors
 * (stderr). Tests pass an `Io` that collects the text; the real command uses `processIo`.
 */
export type Io = {
  out: (text: string) => void;
  err: (text: string) => void;
};

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** An `Io` that keeps what was written, for tests. */
export function memoryIo(): Io & { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  return {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
