// SPEC "Canary" on the lab, under load through the VIP: `--canary N` releases N servers and pauses
// (not a TTY: exit 0), then `release promote` finishes the plan or `release abort` rolls the
// canary back and marks the release bad.
import { afterEach, describe, expect, it } from 'vitest';
import { appIds, eventsOf, everOut, failuresOf, plantRelease, startE2eLab, trafficDiagnosis, type E2eLab } from './harness.ts';

let env: E2eLab | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const onV2 = (e: E2eLab) =>
  Object.entries(e.versions())
    .filter(([, v]) => v === 'v2')
    .map(([name]) => name);

function expectAllInPool(e: E2eLab) {
  for (const weights of Object.values(e.weights())) {
    expect(Object.values(weights)).toEqual(Array(e.lab.servers.length).fill(100));
  }
}

describe('canary releases on the lab', () => {
  it('--canary 1 --batch 2 pauses with one server on v2 in the pool; promote releases the rest (never more than 2 out)', async () => {
    env = await startE2eLab({ servers: 5, timeScale: 0.01 });
    const e = env;
    const nothing = await e.cli(['promote', '-c', e.config]);
    expect(nothing.code, nothing.stdout + nothing.stderr).toBe(2);
    expect(nothing.stderr).toMatch(/✖ USAGE Nothing to promote/);

    const good = await e.artifact('v2');
    const load = e.startLoad({ concurrency: 2 });
    const canary = await e.release(['--artifact', good, '--release-id', 'r2', '--canary', '1', '--batch', '2']);
    expect(canary.code, canary.stdout + canary.stderr).toBe(0);
    const canaries = onV2(e);
    expect(canaries).toHaveLength(1);
    expect(Object.values(e.versions()).filter((v) => v === 'v1')).toHaveLength(4);
    expectAllInPool(e);
    expect(e.maxOut()).toBe(1);
    const paused = eventsOf(e, 'paused');
    expect(paused.map((p) => p.reason)).toEqual(['canary']);
    expect(eventsOf(e, 'run-finished').map((f) => [f.outcome, f.exitCode])).toEqual([['paused', 0]]);
    expect(canary.stdout + canary.stderr).toMatch(/release promote/);
    const idsAfterCanary = appIds(e);

    const promote = await e.cli(['promote', '-c', e.config]);
    const traffic = await load.stop();
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    expect(Object.values(e.versions())).toEqual(Array(5).fill('v2'));
    expectAllInPool(e);
    expect(failuresOf(traffic), trafficDiagnosis(e, traffic)).toEqual({});
    expect(traffic.ok).toBeGreaterThan(20);
    expect(e.maxOut()).toBeLessThanOrEqual(2);
    expect(e.maxOut()).toBe(2);
    // The canary is not released twice: its app was not restarted by promote.
    const canaryName = canaries[0] as string;
    expect(appIds(e)[canaryName]).toBe(idsAfterCanary[canaryName]);
    const started = eventsOf(e, 'run-started');
    expect(started.map((s) => [s.command, s.release])).toEqual([
      ['release', 'r2'],
      ['promote', 'r2'],
    ]);
    expect(started[1]?.continues).toBe(started[0]?.runId);
    expect(eventsOf(e, 'run-finished').at(-1)?.outcome).toBe('released');

    const again = await e.cli(['promote', '-c', e.config]);
    expect(again.code, again.stdout + again.stderr).toBe(2);
    expect(again.stderr).toMatch(/Nothing to promote: .*release r2, released/);
  });

  it('a promote that fails in a later batch rolls the canary back too (rollback: all)', async () => {
    env = await startE2eLab({ servers: 5, timeScale: 0.01 });
    const e = env;
    // r2 fails to start on web3 only (the first batch after the canary): prepare keeps an existing release.
    await plantRelease(e, 'web3', 'r2', { version: 'v2', broken: 'start' });
    const good = await e.artifact('v2');
    const load = e.startLoad({ concurrency: 2 });
    const canary = await e.release(['--artifact', good, '--release-id', 'r2', '--canary', '1', '--batch', '2']);
    expect(canary.code, canary.stdout + canary.stderr).toBe(0);
    expect(e.versions()).toEqual({ web1: 'v2', web2: 'v1', web3: 'v1', web4: 'v1', web5: 'v1' });
    const promote = await e.cli(['promote', '-c', e.config]);
    const traffic = await load.stop();
    expect(promote.code, promote.stdout + promote.stderr).toBe(1);
    expect(Object.values(e.versions())).toEqual(Array(5).fill('v1'));
    expectAllInPool(e);
    expect(failuresOf(traffic), trafficDiagnosis(e, traffic)).toEqual({});
    expect(e.maxOut()).toBeLessThanOrEqual(2);
    const rolled = eventsOf(e, 'batch-started').filter((b) => b.purpose === 'rollback');
    expect(rolled.flatMap((b) => b.servers).sort()).toEqual(['web1', 'web2']);
    expect(eventsOf(e, 'run-finished').at(-1)).toMatchObject({ outcome: 'rolled-back', exitCode: 1 });
  });

  it('--canary 1 then abort: the canary goes back to v1 in the pool, the others are untouched, the release is marked bad', async () => {
    env = await startE2eLab({ servers: 4, timeScale: 0.01 });
    const e = env;
    const idsBefore = appIds(e);
    const good = await e.artifact('v2');
    const load = e.startLoad({ concurrency: 2 });
    const canary = await e.release(['--artifact', good, '--release-id', 'r2', '--canary', '1']);
    expect(canary.code, canary.stdout + canary.stderr).toBe(0);
    const canaries = onV2(e);
    expect(canaries).toHaveLength(1);
    const canaryName = canaries[0] as string;

    const abort = await e.cli(['abort', '-c', e.config]);
    const traffic = await load.stop();
    expect(abort.code, abort.stdout + abort.stderr).toBe(0);
    expect(Object.values(e.versions())).toEqual(Array(4).fill('v1'));
    expectAllInPool(e);
    expect(failuresOf(traffic), trafficDiagnosis(e, traffic)).toEqual({});
    expect(traffic.ok).toBeGreaterThan(10);
    expect(e.maxOut()).toBe(1);
    // Only the canary ever left the pool or restarted.
    expect(everOut(e)).toEqual([canaryName]);
    const idsAfter = appIds(e);
    for (const s of e.lab.servers) {
      if (s.name === canaryName) expect(idsAfter[s.name]).not.toBe(idsBefore[s.name]);
      else expect(idsAfter[s.name]).toBe(idsBefore[s.name]);
    }
    expect(eventsOf(e, 'marked-bad').map((m) => m.release)).toContain('r2');
    const started = eventsOf(e, 'run-started');
    expect(started.map((s) => s.command)).toEqual(['release', 'abort']);
    expect(eventsOf(e, 'run-finished').at(-1)).toMatchObject({ outcome: 'rolled-back', exitCode: 0 });

    // Nothing is paused any more, and the bad release is not a rollback target.
    const promote = await e.cli(['promote', '-c', e.config]);
    expect(promote.code, promote.stdout + promote.stderr).toBe(2);
    expect(promote.stderr).toMatch(/Nothing to promote/);
    const abortAgain = await e.cli(['abort', '-c', e.config]);
    expect(abortAgain.code, abortAgain.stdout + abortAgain.stderr).toBe(2);
    expect(abortAgain.stderr).toMatch(/Nothing to abort/);
    const toBad = await e.cli(['rollback', '-c', e.config, '--to', 'r2']);
    expect(toBad.code, toBad.stdout + toBad.stderr).toBe(2);
    expect(toBad.stderr).toMatch(/r2 was marked bad/);
  });
});
