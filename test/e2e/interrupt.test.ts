// SPEC "Exit codes" 130 and DESIGN "Cancellation" on the lab, under load through the VIP: Ctrl-C
// during a drain wait (long requests held open through the VIP keep it waiting) puts the server
// back untouched, records the interruption and exits 130; `release resume` then finishes. A
// second Ctrl-C exits at once and says to run `release recover`, which repairs.
import { afterEach, describe, expect, it } from 'vitest';
import { holdConnections, type HeldConnections } from '../../src/lab/net/hold.ts';
import { startCli } from './child.ts';
import { eventsOf, failuresOf, lockHeld, startCheckedLab, type E2eLab, type LoadHandle, expectAllOn } from './harness.ts';

let env: E2eLab | undefined;
let load: LoadHandle | undefined;
let held: HeldConnections | undefined;
afterEach(async () => {
  await held?.close();
  held = undefined;
  await load?.stop();
  load = undefined;
  await env?.close();
  env = undefined;
});

const SERVERS = 4;

/** A lab whose IPVS entries outlive a 20 s request (ESTABLISHED 900 s × 0.03 = 27 s), with requests held on every server. */
async function labWithHeldRequests(): Promise<{ e: E2eLab; artifact: string }> {
  env = await startCheckedLab({ servers: SERVERS, timeScale: 0.03 });
  const e = env;
  const artifact = await e.artifact('v2');
  load = e.startLoad();
  // wlc spreads them: three long requests on each server, web1 included.
  held = await holdConnections({ url: e.lab.vip.url, count: 3 * SERVERS, mode: 'request', path: '/slow?ms=20000' });
  expect(held.opened).toBe(3 * SERVERS);
  return { e, artifact };
}

const WAITING_ON_HELD = / web1 waiting: [1-9]\d* connections?/;

describe('interrupting a release on the lab', () => {
  it('SIGINT during the drain wait (--batch 2): exit 130, web1 and web2 back at weight 100 on both directors still on v1, recorded; `release resume` finishes (all v2)', async () => {
    const { e, artifact } = await labWithHeldRequests();
    const run = startCli(['-c', e.config, '--artifact', artifact, '--release-id', 'v2', '--batch', '2'], { cwd: e.dir });
    await run.waitForLine(WAITING_ON_HELD);
    run.kill('SIGINT');
    const stopped = await run.wait();

    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/SIGINT: stopping/);
    await expectAllOn(e, 'v1');
    // The drain never cut a held request (weight 0 keeps existing connections, the restore came
    // first): each one is still open, or was closed after its answer.
    expect(held?.closedByPeer()).toBe(held?.responses()[200] ?? 0);
    expect(Object.keys(held?.responses() ?? {}).filter((status) => status !== '200')).toEqual([]);
    expect(eventsOf(e, 'paused').map((p) => [p.reason, p.nextBatch])).toEqual([['interrupt', 0]]);
    expect(eventsOf(e, 'run-finished').map((f) => [f.outcome, f.exitCode])).toEqual([['interrupted', 130]]);
    const finished = eventsOf(e, 'server-finished').map((f) => [f.server, f.outcome, f.releaseAfter]);
    expect(finished.sort()).toEqual([
      ['web1', 'interrupted', 'v1'],
      ['web2', 'interrupted', 'v1'],
    ]);
    expect(
      eventsOf(e, 'server-restored')
        .map((r) => r.server)
        .sort(),
    ).toEqual(['web1', 'web2']);
    expect(eventsOf(e, 'release-switch')).toEqual([]);
    expect(stopped.stdout).toMatch(/release resume/);
    expect(await lockHeld(e)).toBe(false);

    // We close the held requests ourselves; then resume continues the same release.
    await held?.close();
    const resumed = await e.cli(['resume', '-c', e.config]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    await expectAllOn(e, 'v2');
    expect(eventsOf(e, 'run-started').map((r) => [r.command, r.release])).toEqual([
      ['release', 'v2'],
      ['resume', 'v2'],
    ]);
    const traffic = await (load as LoadHandle).stop();
    load = undefined;
    expect(failuresOf(traffic), traffic.errorSamples.join('; ')).toEqual({});
    expect(traffic.ok).toBeGreaterThan(20);
    expect(e.maxOut()).toBe(2);
  }, 240_000);

  it('a second SIGINT exits at once (130) and says to run `release recover`; recover --break-lock repairs', async () => {
    const { e, artifact } = await labWithHeldRequests();
    const run = startCli(['-c', e.config, '--artifact', artifact, '--release-id', 'v2', '--batch', '1'], { cwd: e.dir });
    await run.waitForLine(WAITING_ON_HELD);
    // lvs2 stops answering, so the put-back after the first Ctrl-C cannot finish before the second one.
    const lvs2 = e.lab.sshHost('lvs2');
    if (!lvs2) throw new Error('no lvs2');
    lvs2.faults.hang = true;
    try {
      run.kill('SIGINT');
      await run.waitForLine(/SIGINT: stopping/);
      run.kill('SIGINT');
      const exited = await run.wait(30_000);
      expect(exited.code, exited.stdout + exited.stderr).toBe(130);
      expect(exited.stderr).toMatch(/SIGINT again: exiting now/);
      expect(exited.stderr).toMatch(/run `release recover`/);
    } finally {
      lvs2.faults.hang = false;
    }
    // web1 is still out on at least one director: the run did not get to put it back.
    expect(Object.values(e.weights()).some((w) => w.web1 !== 100)).toBe(true);
    expect(await lockHeld(e)).toBe(true);

    const recover = await e.cli(['recover', '-c', e.config, '--break-lock']);
    expect(recover.code, recover.stdout + recover.stderr).toBe(0);
    await expectAllOn(e, 'v1');
    expect(await lockHeld(e)).toBe(false);
    await held?.close();
    const traffic = await (load as LoadHandle).stop();
    load = undefined;
    expect(failuresOf(traffic), traffic.errorSamples.join('; ')).toEqual({});
    expect(e.maxOut()).toBe(1);
  }, 240_000);
});
