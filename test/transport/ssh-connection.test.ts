// Connection life against a real sshd: loss and reconnect, keepalive, bounded parallel open,
// connect timeout and abort, and the NODELAY measurement.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../helpers/sshd.ts';
import type { HostTarget } from '../../src/transport/types.ts';
import { pgrep, targetOf, transportFor, uniqueSleep, waitFor } from './support.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

let sshd: Sshd;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  sshd = await startSshd();
});

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await sshd?.stop();
});

/** A proxy in front of the sshd, and a known_hosts file that knows the sshd's key at its port. */
async function proxied(options: { hold?: boolean } = {}): Promise<{ proxy: TcpProxy; knownHostsFile: string; target: HostTarget }> {
  const proxy = await startTcpProxy(sshd.port, options);
  proxies.push(proxy);
  const knownHostsFile = join(sshd.dir, `known_hosts.${proxy.port}`);
  writeFileSync(knownHostsFile, `[127.0.0.1]:${proxy.port} ${sshd.hostPublicKey}\n`);
  return { proxy, knownHostsFile, target: { ...targetOf(sshd), port: proxy.port } };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

describe('connection loss', () => {
  it('reports connectionLost for the command in flight, then reconnect() works', async () => {
    const { proxy, knownHostsFile, target } = await proxied();
    const transport = transportFor(sshd, { knownHostsFile });
    const session = await transport.connect(target);
    const marker = uniqueSleep();
    try {
      const pending = session.exec({ script: `sleep ${marker}`, mutates: true });
      await waitFor('the remote sleep to start', () => pgrep(`sleep ${marker}`).length > 0);
      proxy.cut();
      const result = await pending;
      expect(result).toMatchObject({ ok: false, connectionLost: true, exitCode: null, timedOut: false });
      expect(result.error).toMatch(/lost/);
      expect(session.connected).toBe(false);

      // Nothing reconnects by itself: the next command says so at once.
      const refused = await session.exec({ argv: ['true'], mutates: false });
      expect(refused).toMatchObject({ ok: false, connectionLost: true });
      const upload = await session.upload({ localPath: sshd.knownHostsPath, remotePath: join(sshd.dir, 'never') });
      expect(upload).toMatchObject({ ok: false, connectionLost: true });
      expect(proxy.accepted).toBe(1);

      await session.reconnect();
      expect(session.connected).toBe(true);
      expect(proxy.accepted).toBe(2);
      expect(await session.exec({ argv: ['echo', 'back'], mutates: false })).toMatchObject({ ok: true, stdout: 'back\n' });
    } finally {
      spawnSync('pkill', ['-f', `sleep ${marker}`]);
      await session.close();
    }
  });

  it('notices a silent network failure through keepalives', async () => {
    const { proxy, knownHostsFile, target } = await proxied();
    const transport = transportFor(sshd, { knownHostsFile, keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
    const session = await transport.connect(target);
    const marker = uniqueSleep();
    try {
      const pending = session.exec({ script: `sleep ${marker}`, mutates: false });
      await waitFor('the remote sleep to start', () => pgrep(`sleep ${marker}`).length > 0);
      proxy.freeze();
      // Nothing closes: only the unanswered keepalives (3 x 200 ms) can end this wait.
      const result = await pending;
      expect(result).toMatchObject({ ok: false, connectionLost: true });
      expect(result.durationMs).toBeLessThan(5000);
      expect(session.connected).toBe(false);
    } finally {
      spawnSync('pkill', ['-f', `sleep ${marker}`]);
      await session.close();
    }
  });
});

describe('opening sessions', () => {
  it('opens 8 sessions with at most 3 connects in flight', async () => {
    const { proxy, knownHostsFile, target } = await proxied({ hold: true });
    const transport = transportFor(sshd, { knownHostsFile });
    const targets = Array.from({ length: 8 }, (_, index) => ({ ...target, name: `web${index + 1}` }));
    const done: string[] = [];
    const opening = transport.open(targets, { concurrency: 3, onResult: (connected) => done.push(connected.name) });
    await waitFor('3 connects at the door', () => proxy.held === 3);
    for (let released = 0; released < 8; released++) {
      await waitFor('a connect at the door', () => proxy.held > 0);
      proxy.releaseOne();
    }
    const { sessions, failures } = await opening;
    expect(proxy.maxHeld).toBe(3);
    expect(proxy.accepted).toBe(8);
    expect(failures.size).toBe(0);
    expect([...sessions.keys()]).toEqual(targets.map((each) => each.name));
    expect(done.sort()).toEqual(targets.map((each) => each.name).sort());
    const results = await Promise.all([...sessions.values()].map((session) => session.exec({ argv: ['echo', session.target.name], mutates: false })));
    expect(results.map((result) => result.stdout.trim())).toEqual(targets.map((each) => each.name));
    await Promise.all([...sessions.values()].map((session) => session.close()));
  });

  it('reports per-host failures as values next to the sessions that opened', async () => {
    const transport = transportFor(sshd);
    const { sessions, failures } = await transport.open([targetOf(sshd, 'good'), { ...targetOf(sshd, 'closed'), port: 1 }], { concurrency: 2 });
    expect([...sessions.keys()]).toEqual(['good']);
    expect(failures.get('closed')?.code).toBe('SSH_CONNECT_FAILED');
    await sessions.get('good')?.close();
  });

  it('gives up a connect after connectTimeoutMs', async () => {
    const { knownHostsFile, target } = await proxied({ hold: true });
    const transport = transportFor(sshd, { knownHostsFile, connectTimeoutMs: 300 });
    const error = await transport.connect(target).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SSH_CONNECT_FAILED', message: expect.stringMatching(/timed out after 300 ms/) });
  });

  it('stops a connect on abort', async () => {
    const { proxy, knownHostsFile, target } = await proxied({ hold: true });
    const transport = transportFor(sshd, { knownHostsFile });
    const controller = new AbortController();
    const connecting = transport.connect(target, { signal: controller.signal });
    await waitFor('the connect to reach the proxy', () => proxy.held === 1);
    controller.abort();
    await expect(connecting).rejects.toMatchObject({ code: 'INTERRUPTED' });
    const { failures } = await transport.open([target], { concurrency: 1, signal: controller.signal });
    expect(failures.get(target.name)?.code).toBe('INTERRUPTED');
  });
});

describe('TCP_NODELAY', () => {
  it('measures the median exec round trip with and without it (printed, not asserted)', async () => {
    const medians: Record<string, number> = {};
    for (const noDelay of [true, false]) {
      const transport = transportFor(sshd, { noDelay });
      const session = await transport.connect(targetOf(sshd));
      const durations: number[] = [];
      for (let run = 0; run < 20; run++) {
        const started = performance.now();
        const result = await session.exec({ argv: ['true'], mutates: false });
        durations.push(performance.now() - started);
        expect(result.ok).toBe(true);
      }
      medians[noDelay ? 'nodelay' : 'nagle'] = median(durations);
      await session.close();
    }
    console.log(`exec round trip, median of 20: NODELAY ${medians.nodelay?.toFixed(1)} ms, Nagle ${medians.nagle?.toFixed(1)} ms`);
    expect(Object.keys(medians)).toHaveLength(2);
  });
});
