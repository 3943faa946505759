// SPEC "Drain methods" on the lab, under load through the VIP: ipvsadm (quiesce, wait, delete,
// re-add), quiesce (weight 0 only) and healthfile (keepalived's checker does the weights).
import { afterEach, describe, expect, it } from 'vitest';
import { failuresOf, isMutatingIpvsadm, recordDirectors, startE2eLab, type DestChange, type DirectorRecorder, type E2eLab } from './harness.ts';

let env: E2eLab | undefined;
let recorder: DirectorRecorder | undefined;
afterEach(async () => {
  recorder?.stop();
  recorder = undefined;
  await env?.close();
  env = undefined;
});

async function releaseUnderLoad(e: E2eLab, batch: string) {
  const good = await e.artifact('v2');
  recorder = recordDirectors(e);
  const load = e.startLoad();
  const result = await e.release(['--artifact', good, '--release-id', 'r2', '--batch', batch]);
  const traffic = await load.stop();
  recorder.stop();
  return { result, traffic, changes: recorder.changes, commands: recorder.commands };
}

/** Every server on v2 and at weight 100 on every director; no failed request; never more than `batch` out. */
function expectReleasedCleanly(e: E2eLab, traffic: Parameters<typeof failuresOf>[0], batch: number) {
  expect(Object.values(e.versions())).toEqual(Array(e.lab.servers.length).fill('v2'));
  const weights = e.weights();
  expect(Object.keys(weights)).toEqual(['lvs1', 'lvs2']);
  for (const perServer of Object.values(weights)) expect(Object.values(perServer)).toEqual(Array(e.lab.servers.length).fill(100));
  expect(failuresOf(traffic)).toEqual({});
  expect(traffic.ok).toBeGreaterThan(20);
  expect(e.maxOut()).toBeGreaterThan(0);
  expect(e.maxOut()).toBeLessThanOrEqual(batch);
}

const of = (changes: readonly DestChange[], director: string, server: string) =>
  changes.filter((c) => c.director === director && c.server === server).map((c) => `${c.type}:${c.weight ?? '-'}`);

describe('drain methods on the lab', () => {
  it('ipvsadm (default): each server is quiesced, deleted once drained, then re-added with its weight, on both directors', async () => {
    env = await startE2eLab({ servers: 6 });
    const { result, traffic, changes, commands } = await releaseUnderLoad(env, '2');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expectReleasedCleanly(env, traffic, 2);
    for (const director of ['lvs1', 'lvs2']) {
      for (const s of env.lab.servers) {
        // The emulator's own record: weight 0 first, then the delete, then the re-add at 100.
        expect(of(changes, director, s.name), `${director} ${s.name}`).toEqual(['dest-edited:0', 'dest-deleted:-', 'dest-added:100']);
      }
    }
    // The tool sent those as ipvsadm command lines: -e … -w 0, -d, -a … -m -w 100.
    const mutating = commands.filter((c) => isMutatingIpvsadm(c.argv)).map((c) => c.argv.join(' '));
    expect(mutating.filter((c) => /^-e -t \S+ -r \S+ -m -w 0( |$)/.test(c))).toHaveLength(12);
    expect(mutating.filter((c) => /^-d -t \S+ -r \S+$/.test(c))).toHaveLength(12);
    expect(mutating.filter((c) => /^-a -t \S+ -r \S+ -m -w 100( |$)/.test(c))).toHaveLength(12);
    expect(mutating).toHaveLength(36);
  });

  it('quiesce: servers go to weight 0 and back by -e, never deleted', async () => {
    env = await startE2eLab({ servers: 6, drain: { method: 'quiesce' } });
    const { result, traffic, changes, commands } = await releaseUnderLoad(env, '2');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expectReleasedCleanly(env, traffic, 2);
    expect(changes.filter((c) => c.type !== 'dest-edited')).toEqual([]);
    for (const director of ['lvs1', 'lvs2']) {
      for (const s of env.lab.servers) expect(of(changes, director, s.name), `${director} ${s.name}`).toEqual(['dest-edited:0', 'dest-edited:100']);
    }
    const mutating = commands.filter((c) => isMutatingIpvsadm(c.argv));
    expect(mutating.length).toBe(24);
    expect(mutating.every((c) => c.argv[0] === '-e')).toBe(true);
  });

  it('healthfile with the keepalived-like checker (inhibit_on_failure): the checker sets weight 0 and back, the tool runs no ipvsadm change', async () => {
    env = await startE2eLab({ servers: 6, checker: 'inhibit', pipeline: 'healthfile' });
    const { result, traffic, changes, commands } = await releaseUnderLoad(env, '2');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expectReleasedCleanly(env, traffic, 2);
    expect(changes.filter((c) => c.type !== 'dest-edited')).toEqual([]);
    for (const director of ['lvs1', 'lvs2']) {
      for (const s of env.lab.servers) {
        // Down to 0 (the health file is aside) and back to 100 (keepalived's configured weight), at least once.
        const seen = of(changes, director, s.name);
        expect(seen[0], `${director} ${s.name}`).toBe('dest-edited:0');
        expect(seen.at(-1), `${director} ${s.name}`).toBe('dest-edited:100');
      }
    }
    // Every weight change came from the checker: the tool only read the tables.
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter((c) => isMutatingIpvsadm(c.argv))).toEqual([]);
    // And the health file is back in place on every server.
    expect(result.stdout).toMatch(/healthfile-up/);
  });
});
