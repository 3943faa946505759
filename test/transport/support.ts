// Shared by the transport tests: a transport aimed at a test sshd, polling, a local pgrep.
import { execFileSync } from 'node:child_process';
import type { Sshd } from '../helpers/sshd.ts';
import { createSshTransport, type SshTransportOptions } from '../../src/transport/ssh.ts';
import type { HostTarget, Transport } from '../../src/transport/types.ts';

export function transportFor(sshd: Sshd, overrides: Partial<SshTransportOptions> = {}): Transport {
  return createSshTransport({
    knownHostsFile: sshd.knownHostsPath,
    identityFile: sshd.userKeyPath,
    env: {},
    connectTimeoutMs: 10_000,
    ...overrides,
  });
}

export function targetOf(sshd: Sshd, name = 'web1'): HostTarget {
  return { name, host: sshd.host, port: sshd.port, user: sshd.user };
}

/** Polls until the predicate holds; fails with `what` after the deadline. */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** PIDs of local processes whose command line contains `pattern` (the sshd runs on this machine). */
export function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', '--', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function uniqueSleep(): string {
  return `29.${Math.floor(Math.random() * 1e6)
    .toString()
    .padStart(6, '0')}`;
}
