// The SSH transport: ssh2 clients with strict host keys, NODELAY, keepalives, an optional jump host.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Client } from 'ssh2';
import { ReleaseError } from '../core/errors.ts';
import { loadCredentials, type Credentials } from './credentials.ts';
import { openSessions } from './open.ts';
import { connectClient } from './ssh-connect.ts';
import { createSshSession } from './ssh-session.ts';
import type { HostSession, HostTarget, Transport } from './types.ts';

export interface SshTransportOptions {
  /** Path of the known_hosts file (already expanded); a missing file knows no host. */
  readonly knownHostsFile: string;
  /** Path of the private key (already expanded). Without it, the agent at SSH_AUTH_SOCK is used. */
  readonly identityFile?: string;
  /** NAME of the environment variable holding the key's passphrase (the value is never printed). */
  readonly passphraseEnv?: string;
  /** The environment, injected: SSH_AUTH_SOCK and the passphrase variable are read from it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Deadline for TCP connect + handshake + authentication, per host. */
  readonly connectTimeoutMs: number;
  /** SSH keepalive period; a connection is declared lost after keepaliveCountMax unanswered. */
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  /** Every target is reached through one shared connection to this host (its key is verified too). */
  readonly jumpHost?: { readonly host: string; readonly port: number; readonly user: string };
  /** TCP_NODELAY on our sockets. Default true; false exists to measure what it buys. */
  readonly noDelay?: boolean;
  /** Channels (exec/SFTP) open at once per host. Default 8 (OpenSSH's MaxSessions is 10). */
  readonly maxChannelsPerHost?: number;
  /** Bound on the command that kills a timed-out or aborted remote command. Default 5000. */
  readonly killTimeoutMs?: number;
  /** Reads the key and known_hosts files; injected for tests. */
  readonly readFile?: (path: string) => Promise<Buffer>;
}

export const SSH_DEFAULTS = { keepaliveIntervalMs: 15_000, keepaliveCountMax: 3, maxChannelsPerHost: 8, killTimeoutMs: 5_000 } as const;

export function createSshTransport(options: SshTransportOptions): Transport {
  const settings = {
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? SSH_DEFAULTS.keepaliveIntervalMs,
    keepaliveCountMax: options.keepaliveCountMax ?? SSH_DEFAULTS.keepaliveCountMax,
    noDelay: options.noDelay ?? true,
    timeoutMs: options.connectTimeoutMs,
  };
  let credentials: Promise<Credentials> | undefined;
  const loadOnce = () => (credentials ??= loadCredentials(options));
  let jump: Promise<Client> | undefined;

  // One jump connection for all targets, opened on first use and again after it drops.
  const jumpClient = (creds: Credentials, signal: AbortSignal | undefined): Promise<Client> => {
    const jumpHost = options.jumpHost;
    if (!jumpHost) throw new Error('no jump host configured');
    if (jump) return jump;
    const endpoint = { ...jumpHost, name: `jump host ${jumpHost.host}` };
    const opening = connectClient({ ...settings, endpoint, credentials: creds, ...(signal ? { signal } : {}) });
    jump = opening;
    const forget = () => {
      if (jump === opening) jump = undefined;
    };
    opening.then((client) => client.on('close', forget), forget);
    return opening;
  };

  const dial = async (target: HostTarget, signal: AbortSignal | undefined): Promise<Client> => {
    assertDialable(target);
    const creds = await loadOnce();
    const via = options.jumpHost ? await jumpClient(creds, signal) : undefined;
    const endpoint = { name: target.name, host: target.host, port: target.port, user: target.user };
    return connectClient({ ...settings, endpoint, credentials: creds, ...(via ? { via } : {}), ...(signal ? { signal } : {}) });
  };

  const connect = async (target: HostTarget, connectOptions: { signal?: AbortSignal } = {}): Promise<HostSession> => {
    const client = await dial(target, connectOptions.signal);
    return createSshSession(target, {
      client,
      dial: (dialOptions) => dial(target, dialOptions.signal),
      maxChannels: options.maxChannelsPerHost ?? SSH_DEFAULTS.maxChannelsPerHost,
      killTimeoutMs: options.killTimeoutMs ?? SSH_DEFAULTS.killTimeoutMs,
      now: () => performance.now(),
      newTag: () => randomBytes(8).toString('hex'),
    });
  };

  return {
    connect,
    open: (targets, openOptions) => openSessions(connect, targets, openOptions),
    async close() {
      const current = jump;
      jump = undefined;
      const client = await current?.catch(() => undefined);
      client?.end();
    },
  };
}

// Host names and users reach ssh2 only, never a command line; still, a leading '-' is a config error.
function assertDialable(target: HostTarget): void {
  for (const [field, value] of [
    ['host', target.host],
    ['user', target.user],
  ] as const) {
    if (value === '' || value.startsWith('-')) {
      throw new ReleaseError('CONFIG_INVALID', `${target.name}: ssh ${field} ${JSON.stringify(value)} is empty or starts with "-".`, {
        hint: 'Fix the host entry in the cluster file.',
        details: { name: target.name, [field]: value },
      });
    }
  }
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw new ReleaseError('CONFIG_INVALID', `${target.name}: ssh port ${target.port} is not a TCP port.`, { details: { name: target.name } });
  }
}
