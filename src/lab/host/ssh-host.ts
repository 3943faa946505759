// One lab host: an ssh2 SSH server on loopback whose commands run in the host's own directory.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
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
}

/** Switchable failures for tests and demos. */
export interface SshHostFaults {
  /** New TCP connections are closed at once. */
  refuseNew: boolean;
  /** Exec requests are neither started nor answered until this is cleared or the channel closes. */
  hang: boolean;
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
  /** Closes the listener and every connection, and kills running commands. */
  stop(): Promise<void>;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// Public-key auth as in ssh2's README: the key must be authorized and, when signed, the signature valid.
function authenticate(ctx: AuthContext, keys: readonly ParsedKey[], user: string | undefined): void {
  if (ctx.method !== 'publickey' || (user !== undefined && ctx.username !== user)) return ctx.reject(['publickey']);
  const key = keys.find((k) => sameBytes(k.getPublicSSH(), ctx.key.data));
  if (!key) return ctx.reject(['publickey']);
  if (ctx.signature && (!ctx.blob || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true)) {
    return ctx.reject(['publickey']);
  }
  ctx.accept();
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
  const running = new Set<RunningCommand>();
  const parked = new Set<() => void>();
  let hang = false;

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
    session.on('shell', (accept) => start(accept(), undefined));
    session.on('sftp', (accept) => {
      const sftp = accept();
      if (sftp) serveSftp({ sftp, dir });
    });
  };

  const ssh = new ssh2.Server({ hostKeys: [options.hostKey] }, (client: Connection) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => authenticate(ctx, authorizedKeys, user));
    client.on('ready', () => client.on('session', (accept) => onSession(accept(), client)));
  });

  // NOTE: our own listener so we can set TCP_NODELAY (≈180 ms → ≈4 ms per exec on loopback) and refuse.
  const tcp = createServer((socket) => {
    if (faults.refuseNew) return void socket.destroy();
    socket.setNoDelay(true);
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
    stop: async () => {
      parked.clear();
      const closed = new Promise<void>((resolveClose) => tcp.close(() => resolveClose()));
      dropConnections();
      for (const cmd of running) cmd.signal('SIGKILL');
      await Promise.all([closed, ...[...running].map((cmd) => cmd.done)]);
    },
  };
}
