// Test support for lab hosts: a temp host with keys, and an ssh2 client that runs commands.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { SFTPWrapper } from 'ssh2';
import { generateKeyPair, parseKey, type KeyPair } from '../../../src/lab/host/host-keys.ts';
import { startSshHost, type SshHost, type SshHostOptions } from '../../../src/lab/host/ssh-host.ts';

export interface TestHost {
  root: string;
  dir: string;
  host: SshHost;
  userKey: KeyPair;
  /** OpenSSH-format private key file, mode 0600. */
  keyFile: string;
  knownHostsFile: string;
  cleanup(): Promise<void>;
}

/** A lab host in a fresh temp dir with its own host key and one authorized user key. */
export async function startTestHost(overrides: Partial<SshHostOptions> = {}): Promise<TestHost> {
  const root = await mkdtemp(join(tmpdir(), 'lab-host-'));
  const dir = overrides.dir ?? join(root, 'home');
  await mkdir(dir, { recursive: true });
  const userKey = generateKeyPair('lab-test');
  const keyFile = join(root, 'id_ed25519');
  await writeFile(keyFile, userKey.privateKey, { mode: 0o600 });
  const host = await startSshHost({
    name: 'web1',
    hostKey: generateKeyPair().privateKey,
    authorizedKeys: [parseKey(userKey.publicKey)],
    toolsDir: join(root, 'tools'),
    env: { LAB_HOST: 'web1' },
    ...overrides,
    dir,
  });
  const knownHostsFile = join(root, 'known_hosts');
  await writeFile(knownHostsFile, `${host.knownHostsLine}\n`);
  return {
    root,
    dir,
    host,
    userKey,
    keyFile,
    knownHostsFile,
    cleanup: async () => {
      await host.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface ConnectOptions {
  port: number;
  privateKey: string;
  noDelay?: boolean;
  readyTimeout?: number;
}

/** An ssh2 client connection (TCP_NODELAY on by default, as the real transport should). */
export function connect({ port, privateKey, noDelay = true, readyTimeout = 10_000 }: ConnectOptions): Promise<ssh2.Client> {
  const conn = new ssh2.Client();
  return new Promise((resolveConn, rejectConn) => {
    conn.once('ready', () => {
      if (noDelay) conn.setNoDelay(true);
      resolveConn(conn);
    });
    conn.once('error', rejectConn);
    conn.connect({ host: '127.0.0.1', port, username: 'lab', privateKey, readyTimeout });
  });
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | undefined;
  signal: string | undefined;
}

/** Runs a command, optionally feeding stdin (then EOF); resolves on channel close. */
export function exec(conn: ssh2.Client, command: string, stdin?: string | Buffer): Promise<ExecResult> {
  return new Promise((resolveExec, rejectExec) => {
    conn.exec(command, (err, stream) => {
      if (err) return rejectExec(err);
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let code: number | undefined;
      let signal: string | undefined;
      stream.on('data', (d: Buffer) => out.push(d));
      stream.stderr.on('data', (d: Buffer) => errOut.push(d));
      stream.on('exit', (c: number | null, s?: string) => {
        code = c ?? undefined;
        signal = s;
      });
      stream.on('close', () => resolveExec({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errOut).toString(), code, signal }));
      if (stdin !== undefined) stream.end(stdin);
      else stream.end();
    });
  });
}

export function openSftp(conn: ssh2.Client): Promise<SFTPWrapper> {
  return new Promise((resolveSftp, rejectSftp) => conn.sftp((err, sftp) => (err ? rejectSftp(err) : resolveSftp(sftp))));
}

/** Polls `check` until it is true or `timeoutMs` passes (no fixed sleeps in tests). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
