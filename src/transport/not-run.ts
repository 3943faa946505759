// The results of a command or upload that never started (a session decorator refused it or
// could not reach the host): one shape, so every decorator reports them alike.
import type { ExecResult, UploadRequest, UploadResult } from './types.ts';

/** An exec that did not run: no exit status, no output. */
export function execNotRun(host: string, command: string, error: string, options: { connectionLost?: boolean } = {}): ExecResult {
  return {
    host,
    command,
    ok: false,
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    connectionLost: options.connectionLost ?? false,
    stdout: '',
    stderr: '',
    durationMs: 0,
    error,
  };
}

/** An upload that did not start: nothing sent. */
export function uploadNotRun(host: string, request: UploadRequest, error: string, options: { connectionLost?: boolean } = {}): UploadResult {
  return {
    host,
    localPath: request.localPath,
    remotePath: request.remotePath,
    ok: false,
    bytes: 0,
    durationMs: 0,
    timedOut: false,
    aborted: false,
    connectionLost: options.connectionLost ?? false,
    error,
  };
}
