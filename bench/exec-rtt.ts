// Exec round trips over the real SSH transport against one lab host, with and without
// TCP_NODELAY on the client socket (the lab's sshd side always sets it).
import { performance } from 'node:perf_hooks';
import { createSshTransport } from '../src/transport/ssh.ts';
import type { Lab } from '../src/lab/lab.ts';
import { LAB_USER } from '../src/lab/lab.ts';

export interface RttResult {
  noDelay: boolean;
  count: number;
  failures: number;
  /** Each exec's wall time as the caller sees it (channel open → exit status → close). */
  samplesMs: number[];
}

/** Runs `count` sequential execs of `true` on one connection, after one warm-up exec. */
export async function measureExecRtt(lab: Lab, host: { name: string; port: number }, noDelay: boolean, count: number): Promise<RttResult> {
  const transport = createSshTransport({
    knownHostsFile: lab.info.knownHosts,
    identityFile: lab.info.privateKey,
    env: {},
    connectTimeoutMs: 10_000,
    noDelay,
  });
  const session = await transport.connect({ name: host.name, host: '127.0.0.1', port: host.port, user: LAB_USER });
  const command = { argv: ['true'], mutates: false, label: 'bench rtt' } as const;
  const samplesMs: number[] = [];
  let failures = 0;
  try {
    await session.exec(command);
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const result = await session.exec(command);
      samplesMs.push(performance.now() - started);
      if (!result.ok) failures += 1;
    }
  } finally {
    await session.close();
    await transport.close();
  }
  return { noDelay, count, failures, samplesMs };
}
