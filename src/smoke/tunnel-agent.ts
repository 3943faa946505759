// HTTP agents whose connections are channels through a server's own SSH connection
// (`app.smoke.via: ssh`): got sends the same request to the same URL, and the bytes reach the
// server's address:port from the server itself. Node's agents take an asynchronous
// createConnection (callback form); what a net.Socket offers beyond a Duplex is a no-op here.
import { Agent as HttpAgent, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { ForwardResult } from '../transport/types.ts';

/** Opens a TCP connection to host:port from the server (HostSession.forward of its session). */
export type Tunnel = (host: string, port: number, signal?: AbortSignal) => Promise<ForwardResult>;

type Connected = (error: Error | null, stream: Duplex) => void;

const noop = () => undefined;

// The socket calls Node's HTTP client may make on its connection (ssh2's own agents do the same).
function asSocket(stream: Duplex): Duplex {
  return Object.assign(stream, { setKeepAlive: noop, setNoDelay: noop, setTimeout: noop, ref: noop, unref: noop, destroySoon: () => stream.destroy() });
}

function open(tunnel: Tunnel, options: ClientRequestArgs, signal: AbortSignal | undefined, wrap: (stream: Duplex) => Duplex, callback: Connected): void {
  const host = options.host ?? options.hostname ?? 'localhost';
  const port = Number(options.port);
  tunnel(host, port, signal).then(
    (result) => {
      if (result.ok) return callback(null, wrap(asSocket(result.stream)));
      // The error's code is what got's RequestError (and the smoke check's detail) shows first.
      callback(
        Object.assign(new Error(`no channel to ${host}:${port} through the server's SSH connection: ${result.error}`), { code: 'ESSHFORWARD' }),
        undefined as unknown as Duplex,
      );
    },
    (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), undefined as unknown as Duplex),
  );
}

/** got's `agent` option: `http` and `https` agents over the tunnel, one connection per request. */
export function tunnelAgents(tunnel: Tunnel, signal?: AbortSignal): { http: HttpAgent; https: HttpsAgent } {
  class TunnelHttpAgent extends HttpAgent {
    override createConnection(options: ClientRequestArgs, callback?: Connected): Duplex | null | undefined {
      if (callback) open(tunnel, options, signal, (stream) => stream, callback);
      return undefined;
    }
  }
  class TunnelHttpsAgent extends HttpsAgent {
    override createConnection(options: ClientRequestArgs, callback?: Connected): Duplex | null | undefined {
      // TLS runs end to end inside the channel: this machine checks the certificate as for a direct check.
      if (callback) open(tunnel, options, signal, (stream) => tlsConnect({ ...(options as ConnectionOptions), socket: stream }), callback);
      return undefined;
    }
  }
  return { http: new TunnelHttpAgent({ keepAlive: false }), https: new TunnelHttpsAgent({ keepAlive: false }) };
}
