// The CLI as a real child process (`node bin/release.js …`), for what an in-process run cannot
// show: kill -9 at a chosen moment, SIGINT, two runs racing for the lock. A moment is chosen by
// waiting for a line of its output; every wait has a deadline and fails naming what it waited for.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/release.js', import.meta.url));

export interface ChildResult {
  /** Exit status; null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  /** Working directory (the e2e dir). */
  cwd: string;
  /** Added to PATH, HOME and CI=1. */
  env?: Record<string, string>;
}

export interface CliChild {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line (stdout or stderr, already written or to come) matching `pattern`;
   *  rejects when the process ends first or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal (no-op once the process has ended). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has ended and its output is closed. */
  readonly done: Promise<ChildResult>;
  /** `done`, but rejects after `timeoutMs` (and kills the process, so nothing leaks). */
  wait(timeoutMs?: number): Promise<ChildResult>;
}

const LINE_DEADLINE_MS = 90_000;
const EXIT_DEADLINE_MS = 180_000;

/** Starts `node bin/release.js ...args` with CI=1 (the plain timestamped log). */
export function startCli(args: readonly string[], options: ChildOptions): CliChild {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? options.cwd, CI: '1', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let ended = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    notify();
  });
  const done = new Promise<ChildResult>((resolve) => {
    child.once('close', (code, signal) => {
      ended = true;
      notify();
      resolve({ code, signal, stdout: out, stderr: err });
    });
    child.once('error', (error) => {
      ended = true;
      err += `\n[spawn error] ${error.message}\n`;
      notify();
      resolve({ code: null, signal: null, stdout: out, stderr: err });
    });
  });
  // Complete lines only: a line still being written cannot match half-way.
  const findLine = (pattern: RegExp): string | undefined => {
    for (const text of [out, err]) {
      const complete = text.slice(0, text.lastIndexOf('\n') + 1);
      const line = complete.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return line;
    }
    return undefined;
  };
  return {
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    waitForLine(pattern, timeoutMs = LINE_DEADLINE_MS) {
      return new Promise<string>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const check = () => {
          const line = findLine(pattern);
          if (line !== undefined) {
            finish();
            resolve(line);
          } else if (ended) {
            finish();
            reject(
              new Error(
                `the CLI ended (exit ${child.exitCode ?? child.signalCode}) before printing a line matching ${pattern}\n--- stdout\n${out}\n--- stderr\n${err}`,
              ),
            );
          }
        };
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        timer = setTimeout(() => {
          finish();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for a line matching ${pattern}\n--- stdout\n${out}\n--- stderr\n${err}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    kill(signal) {
      if (!ended && child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    done,
    async wait(timeoutMs = EXIT_DEADLINE_MS) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          if (!ended) child.kill('SIGKILL');
          reject(new Error(`the CLI did not end within ${timeoutMs} ms (killed)\n--- stdout\n${out}\n--- stderr\n${err}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([done, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs the CLI to its end (bounded) and returns its exit status and output. */
export function runCli(args: readonly string[], options: ChildOptions & { timeoutMs?: number }): Promise<ChildResult> {
  return startCli(args, options).wait(options.timeoutMs);
}
