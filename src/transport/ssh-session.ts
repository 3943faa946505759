// A HostSession over ssh2: one connection per host, replaced only by an explicit reconnect().
import type { Client } from 'ssh2';
import { ReleaseError } from '../core/errors.ts';
import { watchConnection, type Connection } from './connection.ts';
import { createLimiter } from './limit.ts';
import { uploadOnConnection } from './sftp-upload.ts';
import { execOnConnection } from './ssh-exec.ts';
import { forwardOnConnection } from './ssh-forward.ts';
import type { ExecOptions, ForwardResult, HostSession, HostTarget, RemoteCommand, UploadRequest } from './types.ts';

export interface SshSessionDeps {
  readonly client: Client;
  /** Opens a new connection to the same target (used by reconnect). */
  readonly dial: (options: { signal?: AbortSignal }) => Promise<Client>;
  /** Channels open at once on this connection; OpenSSH refuses more than MaxSessions (10). */
  readonly maxChannels: number;
  readonly killTimeoutMs: number;
  readonly now: () => number;
  readonly newTag: () => string;
}

const CHANNEL_RETRIES = 6;

/** ssh2's message when the server refuses to open a channel (OpenSSH: MaxSessions reached). */
export function isChannelRefused(error: string | undefined): boolean {
  return error !== undefined && /Channel open failure/i.test(error);
}

export function createSshSession(target: HostTarget, deps: SshSessionDeps): HostSession {
  let connection: Connection = watchConnection(deps.client);
  let closed = false;
  // A new limiter per connection: channels of a dead connection must not hold slots.
  let limit = createLimiter(deps.maxChannels);
  const common = () => ({ connection, host: target.name, now: deps.now });

  return {
    target,
    get connected() {
      return !closed && !connection.lost;
    },
    exec(command: RemoteCommand, options?: ExecOptions) {
      const current = common();
      return limit(async () => {
        // NOTE: sshd frees a closed channel's session slot a moment after the client sees it close,
        // so under load a new channel can be refused ("open failed") though our count is below
        // MaxSessions. Nothing started then: trying again shortly is safe, even for a change.
        for (let attempt = 0; ; attempt++) {
          const result = await execOnConnection({ ...current, newTag: deps.newTag, killTimeoutMs: deps.killTimeoutMs }, command, options);
          if (!isChannelRefused(result.error) || attempt >= CHANNEL_RETRIES || options?.signal?.aborted) return result;
          await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
        }
      });
    },
    upload(request: UploadRequest) {
      const current = common();
      return limit(() => uploadOnConnection(current, request));
    },
    forward(host: string, port: number, options?: ExecOptions) {
      const current = common();
      // The channel holds its slot until it closes (the request that uses it is over), or its
      // connection is gone: a forward is a channel like any other on this connection.
      return new Promise<ForwardResult>((resolve) => {
        void limit(
          () =>
            new Promise<void>((free) => {
              void forwardOnConnection(current, host, port, options).then((result) => {
                resolve(result);
                if (!result.ok) return free();
                const offLost = current.connection.onLost(free);
                result.stream.once('close', () => {
                  offLost();
                  free();
                });
              });
            }),
        );
      });
    },
    async reconnect(options = {}) {
      if (closed) throw new ReleaseError('INTERNAL', `reconnect() on the closed session of ${target.name}`);
      const old = connection;
      const client = await deps.dial(options);
      connection = watchConnection(client);
      limit = createLimiter(deps.maxChannels);
      if (!old.lost) await endClient(old);
    },
    async close() {
      closed = true;
      await endClient(connection);
    },
  };
}

// Ends the connection politely and resolves once it is closed (bounded: then the socket is cut).
function endClient(connection: Connection): Promise<void> {
  if (connection.lost) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      connection.client.destroy();
      resolve();
    }, 2000);
    connection.onLost(() => {
      clearTimeout(timer);
      resolve();
    });
    connection.client.end();
  });
}
