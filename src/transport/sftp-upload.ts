// Uploading one file: SFTP into `<remotePath>.part`, chmod, then rename, so a partial file never
// sits at the final path.
import { stat } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';
import { isNotConnected, type Connection } from './connection.ts';
import type { UploadRequest, UploadResult } from './types.ts';

export interface UploadDeps {
  readonly connection: Connection;
  readonly host: string;
  readonly now: () => number;
}

type Outcome = Pick<UploadResult, 'ok' | 'timedOut' | 'aborted' | 'connectionLost'> & { error?: string };

export async function uploadOnConnection(deps: UploadDeps, request: UploadRequest): Promise<UploadResult> {
  const started = deps.now();
  let sent = 0;
  const result = (outcome: Partial<Outcome>): UploadResult => ({
    host: deps.host,
    localPath: request.localPath,
    remotePath: request.remotePath,
    ok: false,
    bytes: sent,
    durationMs: Math.round(deps.now() - started),
    timedOut: false,
    aborted: false,
    connectionLost: false,
    ...outcome,
  });
  const { connection, host } = deps;
  if (request.signal?.aborted) return result({ aborted: true, error: 'cancelled before it started' });
  if (connection.lost) return result({ connectionLost: true, error: `not connected to ${host} (reconnect first)` });
  let total: number;
  try {
    total = (await stat(request.localPath)).size;
  } catch (error) {
    return result({ error: `cannot read ${request.localPath}: ${error instanceof Error ? error.message : String(error)}` });
  }

  return new Promise<UploadResult>((resolve) => {
    let sftp: SFTPWrapper | undefined;
    let settled = false;
    const settle = (outcome: Partial<Outcome>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      offLost();
      sftp?.end();
      resolve(result(outcome));
    };
    const onAbort = () => settle({ aborted: true, error: 'cancelled; the partial file stays at .part' });
    const timer =
      request.timeoutMs === undefined
        ? undefined
        : setTimeout(() => settle({ timedOut: true, error: `timed out after ${request.timeoutMs} ms; the partial file stays at .part` }), request.timeoutMs);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const offLost = connection.onLost(() => settle({ connectionLost: true, error: `connection to ${host} lost` }));
    const fail = (step: string) => (error: Error | null | undefined) => {
      if (isNotConnected(error)) connection.markLost();
      if (error) settle(connection.lost ? { connectionLost: true, error: `connection to ${host} lost` } : { error: `${step} failed: ${error.message}` });
      return !error;
    };
    const partPath = `${request.remotePath}.part`;
    try {
      connection.client.sftp((error, opened) => {
        if (!fail('opening SFTP')(error)) return;
        sftp = opened;
        if (settled) return void opened.end();
        const step = (transferred: number) => {
          sent = transferred;
          request.onProgress?.(transferred, total);
        };
        opened.fastPut(request.localPath, partPath, { step }, (putError) => {
          if (!fail(`writing ${partPath}`)(putError)) return;
          sent = total;
          const rename = () =>
            renameOver(opened, partPath, request.remotePath, (renameError) => {
              if (fail(`renaming ${partPath}`)(renameError)) settle({ ok: true });
            });
          if (request.mode === undefined) return rename();
          opened.chmod(partPath, request.mode, (chmodError) => {
            if (fail(`chmod ${partPath}`)(chmodError)) rename();
          });
        });
      });
    } catch (error) {
      fail('opening SFTP')(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

// OpenSSH's posix-rename replaces the target atomically; plain SFTP rename refuses an existing one.
function renameOver(sftp: SFTPWrapper, from: string, to: string, done: (error: Error | null | undefined) => void): void {
  try {
    sftp.ext_openssh_rename(from, to, done);
  } catch {
    sftp.unlink(to, () => sftp.rename(from, to, done));
  }
}
