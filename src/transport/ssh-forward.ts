// A forwarded TCP channel (`direct-tcpip`) on an existing connection: the host itself connects to
// host:port and the bytes travel inside the SSH connection we already hold. No new connection, no
// new host key to verify, and it reaches what only the host can (a private address, loopback).
import { isNotConnected, type Connection } from './connection.ts';
import type { ExecOptions, ForwardResult } from './types.ts';

export interface ForwardDeps {
  readonly connection: Connection;
  /** The target's name, for messages. */
  readonly host: string;
}

// The originator the server logs; ours is "this client", which OpenSSH does not act on.
const ORIGIN = { address: '127.0.0.1', port: 0 } as const;

export function forwardOnConnection(deps: ForwardDeps, host: string, port: number, options: ExecOptions = {}): Promise<ForwardResult> {
  const { connection } = deps;
  const lost = (): ForwardResult => ({ ok: false, connectionLost: true, error: `connection to ${deps.host} lost` });
  if (options.signal?.aborted) return Promise.resolve({ ok: false, connectionLost: false, error: 'cancelled before it started' });
  if (connection.lost) return Promise.resolve({ ok: false, connectionLost: true, error: `not connected to ${deps.host} (reconnect first)` });
  return new Promise<ForwardResult>((resolve) => {
    let settled = false;
    const settle = (result: ForwardResult) => {
      if (settled) {
        // Opened after the caller gave up: nobody reads it, so close it at once.
        if (result.ok) result.stream.destroy();
        return;
      }
      settled = true;
      offLost();
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = () => settle({ ok: false, connectionLost: false, error: 'cancelled' });
    const offLost = connection.onLost(() => settle(lost()));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      connection.client.forwardOut(ORIGIN.address, ORIGIN.port, host, port, (error, channel) => {
        // NOTE: as for exec, "Not connected" means the connection is gone before its 'close'.
        if (isNotConnected(error)) connection.markLost();
        if (error)
          return settle(
            connection.lost
              ? lost()
              : { ok: false, connectionLost: false, error: `${deps.host} could not open a channel to ${host}:${port}: ${error.message}` },
          );
        settle({ ok: true, stream: channel });
      });
    } catch (error) {
      if (isNotConnected(error)) connection.markLost();
      settle(
        connection.lost ? lost() : { ok: false, connectionLost: false, error: `could not forward: ${error instanceof Error ? error.message : String(error)}` },
      );
    }
  });
}
