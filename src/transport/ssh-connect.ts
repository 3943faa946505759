// One ssh2 connection: our own TCP socket (NODELAY) or a channel through a jump host, strict host keys.
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, Algorithms, Client } from 'ssh2';
import { ReleaseError } from '../core/errors.ts';
import type { Credentials } from './credentials.ts';
import { createHostVerifier, hostKeyAlgorithmsFor, type HostKeyEndpoint, type HostVerifier } from './host-verifier.ts';

export interface ConnectParams {
  readonly endpoint: HostKeyEndpoint & { readonly user: string };
  readonly credentials: Credentials;
  /** Deadline for TCP connect + handshake + authentication. */
  readonly timeoutMs: number;
  readonly keepaliveIntervalMs: number;
  readonly keepaliveCountMax: number;
  /** Disable Nagle on our socket (default in the transport; off only to measure the difference). */
  readonly noDelay: boolean;
  /** Reach the endpoint through this (jump host) connection with `forwardOut`. */
  readonly via?: Client;
  readonly signal?: AbortSignal;
}

/** Resolves with a ready, authenticated Client; rejects with a ReleaseError naming the host. */
export async function connectClient(params: ConnectParams): Promise<Client> {
  const { endpoint, signal } = params;
  if (signal?.aborted) throw interrupted(endpoint);
  const verifier = createHostVerifier(params.credentials.knownHosts, params.credentials.knownHostsFile, endpoint);
  const client = new ssh2.Client();
  // NOTE: ssh2 emits 'error' after failures and on lost connections; an unhandled one would crash the process.
  client.on('error', () => {});
  return new Promise<Client>((resolve, reject) => {
    let sock: Duplex | undefined;
    let settled = false;
    const finish = (error: ReleaseError | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (!error) return resolve(client);
      client.end();
      sock?.destroy();
      reject(error);
    };
    const timer = setTimeout(() => finish(connectFailure(endpoint, `timed out after ${params.timeoutMs} ms`, verifier)), params.timeoutMs);
    const onAbort = () => finish(interrupted(endpoint));
    signal?.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => finish(undefined));
    client.once('error', (error: Error & { level?: string }) => finish(connectFailure(endpoint, describe(error, endpoint), verifier)));
    client.once('close', () => finish(connectFailure(endpoint, 'connection closed during the handshake', verifier)));
    openSocket(params)
      .then((opened) => {
        sock = opened;
        if (settled) return void opened.destroy();
        client.connect({
          sock: opened,
          host: endpoint.host,
          port: endpoint.port,
          username: endpoint.user,
          authHandler: [authMethod(params.credentials, endpoint.user)],
          hostVerifier: verifier.verify,
          algorithms: algorithmsFor(params),
          readyTimeout: params.timeoutMs,
          keepaliveInterval: params.keepaliveIntervalMs,
          keepaliveCountMax: params.keepaliveCountMax,
        });
      })
      .catch((error: unknown) => finish(error instanceof ReleaseError ? error : connectFailure(endpoint, String(error), verifier)));
  });
}

function openSocket(params: ConnectParams): Promise<Duplex> {
  const { endpoint, via } = params;
  if (via) {
    return new Promise((resolve, reject) => {
      via.forwardOut('127.0.0.1', 0, endpoint.host, endpoint.port, (error, stream) => {
        if (error) reject(connectFailure(endpoint, `the jump host could not reach it: ${error.message}`, undefined));
        else resolve(stream);
      });
    });
  }
  const socket = netConnect({ host: endpoint.host, port: endpoint.port });
  // NOTE: without NODELAY, Nagle holds small SSH packets (channel EOF after exec) for a delayed ACK.
  socket.setNoDelay(params.noDelay);
  return Promise.resolve(socket);
}

function authMethod(credentials: Credentials, username: string): AnyAuthMethod {
  return credentials.auth.kind === 'key'
    ? { type: 'publickey', username, key: credentials.auth.key }
    : { type: 'agent', username, agent: credentials.auth.socket };
}

function algorithmsFor(params: ConnectParams): Algorithms | undefined {
  const serverHostKey = hostKeyAlgorithmsFor(params.credentials.knownHosts, params.endpoint.host, params.endpoint.port);
  return serverHostKey ? { serverHostKey: serverHostKey as Algorithms['serverHostKey'] } : undefined;
}

// ssh2's messages, reworded for people; they never contain key material.
function describe(error: Error & { level?: string }, endpoint: ConnectParams['endpoint']): string {
  if (error.level === 'client-authentication') return `authentication as ${endpoint.user} was refused`;
  if (/no matching host key/i.test(error.message)) return 'it offers none of the host key types known_hosts lists for it';
  return error.message;
}

function connectFailure(endpoint: ConnectParams['endpoint'], reason: string, verifier: HostVerifier | undefined): ReleaseError {
  const refused = verifier?.rejection();
  if (refused) return refused;
  return new ReleaseError('SSH_CONNECT_FAILED', `Cannot connect to ${endpoint.name} (${endpoint.user}@${endpoint.host}:${endpoint.port}): ${reason}.`, {
    hint: reason.startsWith('authentication')
      ? "Check ssh.identityFile (or the agent's keys) and the user's authorized_keys on the host."
      : 'Check the host name, port and firewall, and ssh.connectTimeout.',
    details: { host: endpoint.host, port: endpoint.port, user: endpoint.user, name: endpoint.name },
  });
}

function interrupted(endpoint: ConnectParams['endpoint']): ReleaseError {
  return new ReleaseError('INTERRUPTED', `Connecting to ${endpoint.name} was cancelled.`, { details: { host: endpoint.host, port: endpoint.port } });
}
