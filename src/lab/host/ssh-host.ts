// One lab host: an ssh2 SSH server on loopback whose commands run in the host's own directory.
import { timingSafeEqual } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, ServerChannel, Session } from 'ssh2';
import { knownHostsLine, publicKeyLine } from './host-keys.ts';
import { serveSftp } from './sftp-server.ts';
import { runCommand, type RunningCommand } from './ssh-exec.ts';

export interface SshHostOptions {
  /** The host's name (for messages; the caller puts it in `env.LAB_HOST`). */
  name: string;
  /** Login directory: commands run here, HOME points here, relative SFTP paths resolve here. */
  dir: string;
  /** OpenSSH-format private host key (see `generateKeyPair`). */
  hostKey: string | Buffer;
  /** Public keys allowed to log in. */
  authorizedKeys: readonly ParsedKey[];
  /** Extra environment for every command (LAB_SOCKET, LAB_HOST, ...); wins over the client's `env` requests. */
  env?: Record<string, string>;
  /** Put first on PATH: the lab's tool shims. */
  toolsDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** When set, only this login name is accepted; otherwise any. */
  user?: string;
  /** The PATH after `toolsDir` (default: the lab process's PATH). */
  basePath?: string;
  /** Told of every exec once its channel has closed (benchmarks: what ran, when, how long). */
  onExec?: (exec: { command: string; from: number; to: number }) => void;
}

/** Switchable failures for tests and demos. */
export interface SshHostFaults {
  /** New TCP connections are closed at once. */
  refuseNew: boolean;
  /** Exec requests are neither started nor answered until this is cleared or the channel closes. */
  hang: boolean;
}

/** What the host was asked for since it started (or since `resetUsage`): for benchmarks. */
export interface SshHostUsage {
  /** TCP connections accepted (refused ones not counted). */
  connections: number;
  /** Exec requests: one command each. */
  execs: number;
  /** SFTP subsystem sessions. */
  sftp: number;
  /** Shell requests. */
  shells: number;
  /** Forwarded TCP channels opened (direct-tcpip). */
  forwards: number;
  /** The most session channels open at the same time on any one connection. */
  maxChannels: number;
}

export interface SshHost {
  name: string;
  port: number;
  /** "ssh-ed25519 AAAA..." */
  hostPublicKey: string;
  /** "[127.0.0.1]:PORT ssh-ed25519 AAAA..." for a known_hosts file. */
  knownHostsLine: string;
  faults: SshHostFaults;
  /** Destroys every open SSH connection now; returns how many. */
  dropConnections(): number;
  /** How many SSH connections are open. */
  connectionCount(): number;
  usage(): SshHostUsage;
  /** Zeroes the counters (channels open now still count towards the next maximum). */
  resetUsage(): void;
  /** Closes the listener and every connection, and kills running commands. */
  stop(): Promise<void>;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// Public-key auth as in ssh2's README: the key must be authorized and, when signed, the signature valid.
function authenticate(ctx: AuthContext, keys: readonly ParsedKey[], user: string | undefined): void {
  const key =
    ctx.method === 'publickey' && (user === undefined || ctx.username === user) ? keys.find((k) => sameBytes(k.getPublicSSH(), ctx.key.data)) : undefined;
  const signed = ctx.method === 'publickey' && ctx.signature !== undefined;
  if (!key || (signed && (!ctx.blob || key.verify(ctx.blob, ctx.signature as Buffer, ctx.hashAlgo) !== true))) ctx.reject(['publickey']);
  else ctx.accept();
}

/** Starts an SSH host on 127.0.0.1 (exec, shell, env, SFTP; public-key auth only). */
export async function startSshHost(options: SshHostOptions): Promise<SshHost> {
  const { dir, authorizedKeys, user } = options;
  const baseEnv: Record<string, string> = {
    PATH: `${options.toolsDir}:${options.basePath ?? process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: dir,
    USER: user ?? 'lab',
    LOGNAME: user ?? 'lab',
    SHELL: '/bin/sh',
    LANG: 'C.UTF-8',
    ...options.env,
  };
  const sockets = new Set<Socket>();
  const forwarded = new Set<Socket>();
  const running = new Set<RunningCommand>();
  const parked = new Set<() => void>();
  let hang = false;
  const usage: SshHostUsage = { connections: 0, execs: 0, sftp: 0, shells: 0, forwards: 0, maxChannels: 0 };
  const openChannels = new Set<{ open: number }>();

  const faults: SshHostFaults = {
    refuseNew: false,
    get hang() {
      return hang;
    },
    set hang(value: boolean) {
      hang = value;
      if (!value) for (const resume of [...parked]) resume();
    },
  };

  const track = (cmd: RunningCommand): void => {
    running.add(cmd);
    void cmd.done.then(() => running.delete(cmd));
  };

  const onSession = (session: Session, client: Connection): void => {
    const clientEnv: Record<string, string> = {};
    let current: RunningCommand | undefined;
    const start = (channel: ServerChannel | undefined, command: string | undefined): void => {
      if (!channel) return;
      current = runCommand({ channel, command, cwd: dir, env: { ...clientEnv, ...baseEnv } });
      track(current);
    };
    session.on('env', (accept, _reject, info) => {
      clientEnv[info.key] = info.val;
      accept?.();
    });
    session.on('pty', (accept) => accept?.()); // accepted and ignored: commands get pipes
    session.on('window-change', (accept) => accept?.());
    session.on('signal', (accept, _reject, info) => {
      const sig = `SIG${info.name}`;
      if (sig in osConstants.signals) current?.signal(sig as NodeJS.Signals);
      accept?.();
    });
    session.on('exec', (accept, _reject, info) => {
      usage.execs++;
      const from = Date.now();
      const onExec = options.onExec;
      if (onExec) session.once('close', () => onExec({ command: info.command, from, to: Date.now() }));
      if (!hang) return start(accept(), info.command);
      const resume = (): void => {
        parked.delete(resume);
        start(accept(), info.command);
      };
      parked.add(resume);
      const forget = (): boolean => parked.delete(resume);
      session.once('close', forget);
      client.once('close', forget);
    });
    session.on('shell', (accept) => {
      usage.shells++;
      start(accept(), undefined);
    });
    session.on('sftp', (accept) => {
      usage.sftp++;
      const sftp = accept();
      if (sftp) serveSftp({ sftp, dir });
    });
  };

  const ssh = new ssh2.Server({ hostKeys: [options.hostKey] }, (client: Connection) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => authenticate(ctx, authorizedKeys, user));
    // Channels open at once on this connection: a session counts from its accept to its close.
    const channels = { open: 0 };
    openChannels.add(channels);
    client.once('close', () => openChannels.delete(channels));
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        channels.open++;
        usage.maxChannels = Math.max(usage.maxChannels, channels.open);
        session.once('close', () => channels.open--);
        onSession(session, client);
      });
      // A forwarded TCP channel (`ssh -L`, ssh2's forwardOut: smoke.via ssh) to an address as this
      // host sees it, like OpenSSH with AllowTcpForwarding.
      client.on('tcpip', (accept, reject, info) => {
        const target = connect({ host: info.destIP, port: info.destPort });
        forwarded.add(target);
        target.once('close', () => forwarded.delete(target));
        target.once('error', () => {
          reject?.();
          target.destroy();
        });
        target.once('connect', () => {
          usage.forwards++;
          const channel = accept();
          channels.open++;
          usage.maxChannels = Math.max(usage.maxChannels, channels.open);
          channel.once('close', () => {
            channels.open--;
            target.destroy();
          });
          target.pipe(channel).pipe(target);
        });
      });
    });
  });

  // NOTE: our own listener so we can set TCP_NODELAY (≈180 ms → ≈4 ms per exec on loopback) and refuse.
  const tcp = createServer((socket) => {
    if (faults.refuseNew) return void socket.destroy();
    socket.setNoDelay(true);
    usage.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    tcp.once('error', rejectListen);
    tcp.listen(options.port ?? 0, '127.0.0.1', () => {
      tcp.off('error', rejectListen);
      resolveListen();
    });
  });
  const address = tcp.address();
  if (address === null || typeof address === 'string') throw new Error('ssh host: no TCP address');
  const port = address.port;

  const dropConnections = (): number => {
    const count = sockets.size;
    for (const socket of sockets) socket.destroy();
    for (const socket of forwarded) socket.destroy();
    return count;
  };

  return {
    name: options.name,
    port,
    hostPublicKey: publicKeyLine(options.hostKey),
    knownHostsLine: knownHostsLine({ port, hostKey: options.hostKey }),
    faults,
    dropConnections,
    connectionCount: () => sockets.size,
    usage: () => ({ ...usage }),
    resetUsage: () => {
      Object.assign(usage, { connections: 0, execs: 0, sftp: 0, shells: 0, forwards: 0 });
      usage.maxChannels = Math.max(0, ...[...openChannels].map((c) => c.open));
    },
    stop: async () => {
      parked.clear();
      const closed = new Promise<void>((resolveClose) => tcp.close(() => resolveClose()));
      dropConnections();
      for (const cmd of running) cmd.signal('SIGKILL');
      await Promise.all([closed, ...[...running].map((cmd) => cmd.done)]);
    },
  };
}
