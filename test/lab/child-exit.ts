// Runs a Node script as a child process and watches whether it ends by itself: a handle left open
// (socket, server, timer, child) keeps a process alive, or spins it in Node's exit cleanup, and
// only a separate process shows that. Every wait has a deadline; a child past it is killed.
import { spawn } from 'node:child_process';

export interface ExitWatch {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit (or to the kill). */
  durationMs: number;
  /** From the first line matching `marker` to exit; undefined when the marker never came. */
  exitAfterMarkerMs: number | undefined;
  /** Killed by us: `total` (the whole run took too long) or `after-marker` (it did not end by itself). */
  killed: 'total' | 'after-marker' | undefined;
}

export interface ExitWatchOptions {
  /** Arguments to `node` (script first). */
  args: readonly string[];
  cwd: string;
  env?: Record<string, string>;
  /** The line printed once the work is done and everything should be closed. */
  marker: RegExp;
  /** Deadline for the whole run. */
  totalMs: number;
  /** Deadline from the marker to exit. */
  afterMarkerMs: number;
}

export function watchExit(options: ExitWatchOptions): Promise<ExitWatch> {
  const started = performance.now();
  const child = spawn(process.execPath, [...options.args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? options.cwd, CI: '1', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markerAt: number | undefined;
  let killed: ExitWatch['killed'];
  let afterMarker: NodeJS.Timeout | undefined;
  const kill = (why: NonNullable<ExitWatch['killed']>) => {
    killed ??= why;
    child.kill('SIGKILL');
  };
  const total = setTimeout(() => kill('total'), options.totalMs);
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (markerAt === undefined && options.marker.test(stdout)) {
      markerAt = performance.now();
      afterMarker = setTimeout(() => kill('after-marker'), options.afterMarkerMs);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(total);
      clearTimeout(afterMarker);
      const now = performance.now();
      resolve({
        code,
        signal,
        stdout,
        stderr,
        killed,
        durationMs: Math.round(now - started),
        exitAfterMarkerMs: markerAt === undefined ? undefined : Math.round(now - markerAt),
      });
    });
  });
}

/** The tail of a child's output, for an assertion message. */
export function tailOf(run: ExitWatch, lines = 15): string {
  const tail = (text: string) => text.trimEnd().split('\n').slice(-lines).join('\n');
  return `killed: ${run.killed ?? 'no'}; code ${run.code} signal ${run.signal}; ${run.durationMs} ms\n--- stdout (tail)\n${tail(run.stdout)}\n--- stderr (tail)\n${tail(run.stderr)}`;
}
