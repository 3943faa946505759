// The controller as a HostSession: a run-once step with `on: controller` runs on the machine running
// release, as a child process. An argv runs without a shell (execve of the program, each element one
// argument); a script (a `run` shell template, every value quoted by the renderer) runs as
// `/bin/sh -c SCRIPT`, because the step said so. Same result shape as a remote command; the same
// dry-run decorator reports it instead.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { ExecOptions, ExecResult, ForwardResult, HostSession, RemoteCommand, UploadRequest, UploadResult } from '../transport/types.ts';

export interface LocalSessionOptions {
  /** Where the commands run (the cluster file's directory, so relative paths mean the same as in it). */
  cwd: string;
  /** The environment of every command (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** After the timeout or an abort: SIGTERM, then SIGKILL this much later. */
  killGraceMs?: number;
}

/** Output kept per stream: the end of a long migration log is what says why it failed. */
const KEEP_BYTES = 64 * 1024;

export const CONTROLLER = 'controller';

function tail(chunks: Buffer[]): string {
  const all = Buffer.concat(chunks);
  return all.subarray(Math.max(0, all.length - KEEP_BYTES)).toString('utf8');
}

function keep(chunks: Buffer[], chunk: Buffer): void {
  chunks.push(chunk);
  let size = chunks.reduce((n, c) => n + c.length, 0);
  while (size > 2 * KEEP_BYTES && chunks.length > 1) size -= (chunks.shift() as Buffer).length;
}

function runLocal(command: RemoteCommand, options: ExecOptions, settings: LocalSessionOptions): Promise<ExecResult> {
  const started = performance.now();
  const display = 'argv' in command ? command.argv.join(' ') : command.script;
  const base = { host: CONTROLLER, command: display, signal: null, timedOut: false, aborted: false, connectionLost: false, stdout: '', stderr: '' } as const;
  const done = (fields: Partial<ExecResult> & Pick<ExecResult, 'exitCode'>): ExecResult => {
    const result = { ...base, ...fields, durationMs: Math.round(performance.now() - started) };
    return { ...result, ok: result.exitCode === 0 && !result.timedOut && !result.aborted };
  };
  if (command.sudo) return Promise.resolve(done({ exitCode: null, error: 'sudo is not run on the controller' }));
  if (options.signal?.aborted) return Promise.resolve(done({ exitCode: null, aborted: true, error: 'cancelled before it started' }));
  const [file, ...args] = 'argv' in command ? command.argv : ['/bin/sh', '-c', command.script];
  if (file === undefined) return Promise.resolve(done({ exitCode: null, error: 'empty argv' }));
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stopping: 'timedOut' | 'aborted' | undefined;
    // Without `env`, the child gets this process's environment (the CI job's), as any CI step would.
    const child = spawn(file, args, { cwd: settings.cwd, ...(settings.env ? { env: settings.env } : {}), stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    const stop = (why: 'timedOut' | 'aborted') => {
      if (stopping || child.exitCode !== null) return;
      stopping = why;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), settings.killGraceMs ?? 5_000).unref();
    };
    const timer = command.timeoutMs === undefined ? undefined : setTimeout(() => stop('timedOut'), command.timeoutMs);
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => keep(stdout, chunk));
    child.stderr.on('data', (chunk: Buffer) => keep(stderr, chunk));
    child.stdin.on('error', () => undefined);
    child.stdin.end(command.stdin);
    let settled = false;
    const finish = (fields: Partial<ExecResult> & Pick<ExecResult, 'exitCode'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(done({ ...fields, stdout: tail(stdout), stderr: tail(stderr), ...(stopping ? { [stopping]: true } : {}) }));
    };
    child.once('error', (error) => finish({ exitCode: null, error: `could not start ${file}: ${error.message}` }));
    child.once('close', (code, signal) => finish({ exitCode: code, signal }));
  });
}

/** A session whose commands run here; it uploads and forwards nothing. */
export function localSession(settings: LocalSessionOptions): HostSession {
  return {
    target: { name: CONTROLLER, host: 'localhost', port: 0, user: '' },
    connected: true,
    exec: (command, options = {}) => runLocal(command, options, settings),
    async upload(request: UploadRequest): Promise<UploadResult> {
      const { localPath, remotePath } = request;
      return {
        host: CONTROLLER,
        localPath,
        remotePath,
        ok: false,
        bytes: 0,
        durationMs: 0,
        timedOut: false,
        aborted: false,
        connectionLost: false,
        error: 'nothing is uploaded to the controller',
      };
    },
    async forward(): Promise<ForwardResult> {
      return { ok: false, connectionLost: false, error: 'the controller forwards nothing' };
    },
    async reconnect() {},
    async close() {},
  };
}
