// A real OpenSSH sshd on 127.0.0.1 for transport tests: own temp dir, host key, user key, port.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD_PATH = '/usr/sbin/sshd';

export interface Sshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly dir: string;
  /** The user's private key (ed25519, no passphrase); its public half is authorized. */
  readonly userKeyPath: string;
  /** The host's public key line: "ssh-ed25519 AAAA... comment". */
  readonly hostPublicKey: string;
  /** A known_hosts file holding "[127.0.0.1]:PORT <host key>". */
  readonly knownHostsPath: string;
  /** sshd's own log (it runs with -e), for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export interface StartSshdOptions {
  /** Extra sshd_config lines. */
  extraConfig?: string[];
  /** Reuse a user key (so two sshds accept the same key). */
  userKeyPath?: string;
  /** Reuse a host key (e.g. to restart "the same host"). */
  hostKeyPath?: string;
}

/** Fails loudly when OpenSSH's server is not installed: these tests must never skip silently. */
export function requireSshd(path: string = SSHD_PATH): void {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: the transport tests need a real OpenSSH server. ` + 'Install it: apt-get install -y openssh-server');
  }
}

export function generateKey(path: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519'): void {
  // RSA at its smallest allowed size: generating a 3072-bit key takes seconds on a busy machine.
  const bits = type === 'rsa' ? ['-b', '1024'] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', 'lvs-release-test', '-f', path], {
    stdio: 'ignore',
  });
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// Resolves true once the port answers with an SSH banner, false if nothing answers.
function probeBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('SSH-')));
  });
}

/** Starts sshd in the foreground as a child; polls (bounded) until it accepts connections. */
export async function startSshd(options: StartSshdOptions = {}): Promise<Sshd> {
  requireSshd();
  // NOTE: sshd's privilege separation needs this directory (systemd usually creates it).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'lvs-sshd-'));
  const hostKeyPath = options.hostKeyPath ?? join(dir, 'ssh_host_ed25519_key');
  if (!options.hostKeyPath) generateKey(hostKeyPath);
  const userKeyPath = options.userKeyPath ?? join(dir, 'id_ed25519');
  if (!options.userKeyPath) generateKey(userKeyPath);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKeyPath}.pub`));
  const hostPublicKey = readFileSync(`${hostKeyPath}.pub`, 'utf8').trim();

  for (let attempt = 1; attempt <= 5; attempt++) {
    const port = await findFreePort();
    const configPath = join(dir, 'sshd_config');
    writeFileSync(configPath, sshdConfig(dir, port, hostKeyPath, options.extraConfig ?? []));
    const child = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
    });
    const up = await waitUntilListening(child, port);
    if (up) {
      const knownHostsPath = join(dir, 'known_hosts');
      writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${hostPublicKey}\n`);
      return {
        host: '127.0.0.1',
        port,
        user: 'root',
        dir,
        userKeyPath,
        hostPublicKey,
        knownHostsPath,
        logs: () => log,
        stop: () => stopChild(child).then(() => rmSync(dir, { recursive: true, force: true })),
      };
    }
    await stopChild(child);
    if (!/Address already in use|Bind to port/.test(log) || attempt === 5) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start on 127.0.0.1:${port}:\n${log}`);
    }
  }
  throw new Error('unreachable');
}

function sshdConfig(dir: string, port: number, hostKeyPath: string, extra: string[]): string {
  // sshd keeps the first value of a keyword, so the extra lines go first to override ours.
  return [
    ...extra,
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKeyPath}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AllowTcpForwarding yes',
    'UseDNS no',
    'PrintMotd no',
    'MaxStartups 64',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    // NOTE: Debian's bash sources ~/.bashrc when started by sshd, unless SHLVL says it is nested;
    // root's .bashrc on our machines runs `pyenv init` (~150 ms), which would swamp every exec.
    'SetEnv SHLVL=1',
    '',
  ].join('\n');
}

async function waitUntilListening(child: ChildProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await probeBanner(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
