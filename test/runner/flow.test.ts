import { describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/events/types.ts';
import { cleanUpServer, releaseServer } from '../../src/runner/flow.ts';
import { createFakeCluster, VIP, type FakeCluster, type FakeServerSpec } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { aHarness, aPipeline } from './builders.ts';

const WEB1: FakeServerSpec = { name: 'web1', address: '10.0.1.11', release: 'r1', connections: [3, 2, 0, 0] };
const WEB2: FakeServerSpec = { name: 'web2', address: '10.0.1.12', release: 'r1' };

function cluster(web1: Partial<FakeServerSpec> = {}): FakeCluster {
  return createFakeCluster({ clock: fakeClock(), servers: [{ ...WEB1, ...web1 }, WEB2] });
}

/** Timeline entries of web1's pipeline steps: `phase` from the step events around them. */
function stepRuns(fc: FakeCluster) {
  return fc
    .events('step-finished')
    .filter((e) => e.server === 'web1')
    .map((e) => ({ seq: e.seq, phase: e.phase, label: e.label, ok: e.ok }));
}

/** Every restore write (weight > 0) sent for web1. */
function restores(fc: FakeCluster) {
  return fc.ipvsWrites().filter((w) => w.argv.includes('10.0.1.11:80') && w.argv.includes('-w') && w.argv[w.argv.indexOf('-w') + 1] !== '0');
}

function expectBackInPool(fc: FakeCluster, server = 'web1') {
  for (const d of ['lvs1', 'lvs2']) expect(fc.weight(server, d), `${server} on ${d}`).toBe(100);
}

describe('releaseServer', () => {
  it('a delete that fails while the deploy ran rolls the server back to what it ran, and puts it back', async () => {
    const fc = cluster();
    fc.on('lvs2', / -d /, { exitCode: 255, stderr: 'Memory allocation problem\n' });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ server: 'web1', outcome: 'rolled-back', releaseAfter: 'r1', failedStep: 'drain' });
    expect(result.error).toContain('Memory allocation problem');
    expect(fc.server('web1').current).toBe('r1');
    expectBackInPool(fc);
  });

  it('drains on every director, waits for zero connections, deletes while it deploys, verifies, then restores; cleanup after', async () => {
    const fc = cluster();
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    // The cleanup is the caller's (runBatches runs it beside the next batch): not run yet.
    expect(stepRuns(fc).map((s) => s.phase)).not.toContain('cleanup');
    await cleanUpServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ server: 'web1', outcome: 'released', releaseBefore: 'r1', releaseAfter: 'r2' });
    expect(fc.server('web1').current).toBe('r2');
    expectBackInPool(fc);
    const writes = fc.ipvsWrites();
    expect(writes.map((w) => `${w.host} ${w.argv[1]}`)).toEqual(['lvs1 -e', 'lvs2 -e', 'lvs1 -d', 'lvs2 -d', 'lvs1 -a', 'lvs2 -a']);
    for (const w of writes.filter((x) => x.argv[1] === '-d')) expect(w.counts['web1']).toBe(0);
    const steps = stepRuns(fc);
    expect(steps.map((s) => `${s.phase}:${s.label}`)).toEqual(['deploy:switch', 'deploy:restart', 'verify:smoke', 'cleanup:cleanup']);
    // The delete comes only once the connections are gone, and need not hold up the deploy or the
    // smoke checks (they run side by side); it is done before the server is put back.
    const deletes = writes.filter((w) => w.argv[1] === '-d');
    const drained = fc.events('server-drained')[0];
    expect(drained && deletes.every((d) => d.seq > drained.seq)).toBe(true);
    expect(deletes.every((d) => restores(fc).every((r) => d.seq < r.seq))).toBe(true);
    const verified = steps.find((s) => s.phase === 'verify' && s.ok);
    const cleanup = steps.find((s) => s.phase === 'cleanup');
    expect(verified && restores(fc).every((r) => r.seq > verified.seq)).toBe(true);
    expect(cleanup && restores(fc).every((r) => r.seq < cleanup.seq)).toBe(true);
    expect(fc.events('server-drained')).toMatchObject([{ server: 'web1', connections: 0, timedOut: false }]);
    expect(fc.events('server-restored')).toMatchObject([
      {
        server: 'web1',
        weights: [
          { director: 'lvs1', weight: 100 },
          { director: 'lvs2', weight: 100 },
        ],
      },
    ]);
  });

  it('deletes before the deploy when a persistence template still points at the server (its client would reach it while it restarts)', async () => {
    const fc = cluster({ templates: 1 });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'released' });
    const deletes = fc.ipvsWrites().filter((w) => w.argv[1] === '-d');
    expect(deletes).toHaveLength(2);
    const firstDeployStep = fc.events('step-started').find((e) => e.server === 'web1' && e.phase === 'deploy');
    expect(firstDeployStep && deletes.every((d) => d.seq < firstDeployStep.seq)).toBe(true);
  });

  it('puts the server back untouched when the drain times out and onTimeout is fail', async () => {
    const fc = cluster({ connections: [5] });
    const h = await aHarness(fc, { pipeline: aPipeline({ drain: { timeoutMs: 10_000 } }) });
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'restored', failedStep: 'wait', releaseAfter: 'r1' });
    expect(result.error).toContain('still 5 connection(s) after the 10s drain deadline');
    expect(fc.server('web1').current).toBe('r1');
    expect(stepRuns(fc)).toEqual([]);
    expect(fc.ipvsWrites().map((w) => `${w.host} ${w.argv[1]} ${w.argv[w.argv.indexOf('-w') + 1]}`)).toEqual([
      'lvs1 -e 0',
      'lvs2 -e 0',
      'lvs1 -e 100',
      'lvs2 -e 100',
    ]);
    expectBackInPool(fc);
    expect(fc.events('server-drained')).toMatchObject([{ server: 'web1', connections: 5, timedOut: true }]);
  });

  it('goes on after the deadline when onTimeout is proceed', async () => {
    const fc = cluster({ connections: [5] });
    const h = await aHarness(fc, { pipeline: aPipeline({ drain: { timeoutMs: 10_000, onTimeout: 'proceed' } }) });
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'released', releaseAfter: 'r2' });
  });

  it('rolls a failed deploy back to the recorded previous release, verifies it, then restores', async () => {
    const fc = cluster();
    fc.on('web1', /^app-ctl restart/, { exitCode: 1, stderr: 'app failed to start\n' }, { times: 1 });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'rolled-back', releaseBefore: 'r1', releaseAfter: 'r1', failedStep: 'deploy: restart (pipeline.yaml:3)' });
    expect(result.error).toBe('exit 1: app failed to start');
    expect(fc.events('marked-bad')).toMatchObject([{ server: 'web1', release: 'r2' }]);
    expect(fc.server('web1').current).toBe('r1');
    expect(
      fc
        .execs('web1')
        .map((e) => e.line)
        .filter((l) => l.startsWith('ln') || l.startsWith('verify')),
    ).toEqual(['ln -sfn releases/r2 /srv/app/current', 'ln -sfn releases/r1 /srv/app/current', 'verify r1']);
    const verified = stepRuns(fc).find((s) => s.phase === 'verify' && s.ok);
    expect(verified).toBeDefined();
    expect(restores(fc).length).toBe(2);
    expect(restores(fc).every((r) => r.seq > (verified?.seq ?? Infinity))).toBe(true);
    expectBackInPool(fc);
    // No cleanup after a rollback: the release it would tidy up is the bad one.
    expect(stepRuns(fc).some((s) => s.phase === 'cleanup')).toBe(false);
  });

  it('never restores after a failed verify: it rolls back and restores only once the old release verifies', async () => {
    const fc = cluster();
    fc.on('web1', /^verify r2/, { exitCode: 1, stderr: 'smoke failed\n' });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'rolled-back', releaseAfter: 'r1', failedStep: 'verify: smoke (pipeline.yaml:4)' });
    const verifies = stepRuns(fc).filter((s) => s.phase === 'verify');
    expect(verifies.map((v) => v.ok)).toEqual([false, true]);
    expect(restores(fc).every((r) => r.seq > (verifies[1]?.seq ?? Infinity))).toBe(true);
    expectBackInPool(fc);
  });

  it('leaves the server out of the pool on every director, named, when its rollback fails', async () => {
    const fc = cluster();
    fc.on('web1', /^app-ctl restart/, { exitCode: 1, stderr: 'app failed to start\n' });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ server: 'web1', outcome: 'rollback-failed', releaseAfter: 'r2', failedStep: 'rollback: restart (pipeline.yaml:6)' });
    expect(result.error).toContain('rollback failed at rollback: restart');
    expect(fc.weight('web1', 'lvs1')).toBeNull();
    expect(fc.weight('web1', 'lvs2')).toBeNull();
    expect(restores(fc)).toEqual([]);
    expect(fc.events('server-restored')).toEqual([]);
    expectBackInPool(fc, 'web2');
  });

  it('with the quiesce method, a failed rollback leaves the server at weight 0 on every director', async () => {
    const fc = cluster();
    fc.on('web1', /^app-ctl restart/, { exitCode: 1 });
    const h = await aHarness(fc, { pipeline: aPipeline({ drain: { method: 'quiesce' } }) });
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result.outcome).toBe('rollback-failed');
    expect(fc.weight('web1', 'lvs1')).toBe(0);
    expect(fc.weight('web1', 'lvs2')).toBe(0);
  });

  it('stays out when the previous release does not verify after the rollback', async () => {
    const fc = cluster();
    fc.on('web1', /^verify /, { exitCode: 1, stderr: 'smoke failed\n' });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'rollback-failed', failedStep: 'verify after rollback: smoke (pipeline.yaml:4)' });
    expect(fc.weight('web1', 'lvs1')).toBeNull();
    expect(restores(fc)).toEqual([]);
  });

  it('reports the release the server really runs when the switch back worked but its verify failed', async () => {
    const fc = cluster();
    fc.on('web1', /^verify /, { exitCode: 1, stderr: 'smoke failed\n' });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result.outcome).toBe('rollback-failed');
    expect(fc.server('web1').current).toBe('r1');
    expect(
      fc
        .events('release-switch')
        .filter((e) => e.stage === 'done')
        .map((e) => e.to),
    ).toEqual(['r2', 'r1']);
    expect(result.releaseAfter).toBe('r1');
  });

  it('stays out, never guessing, when no previous release was recorded', async () => {
    const fc = cluster({ release: null });
    fc.on('web1', /^verify r2/, { exitCode: 1 });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'rollback-failed', releaseBefore: null });
    expect(result.error).toContain('no previous release was recorded');
    expect(stepRuns(fc).some((s) => s.phase === 'rollback')).toBe(false);
    expect(fc.weight('web1', 'lvs2')).toBeNull();
  });

  it('restores a server interrupted during the drain wait, and says interrupted', async () => {
    const fc = cluster({ connections: [4] });
    const stop = new AbortController();
    let seen = 0;
    const emit = (event: EventInput) => {
      fc.emit(event);
      if (event.type === 'connections' && ++seen === 2) stop.abort(new Error('SIGINT'));
    };
    const h = await aHarness(fc, { stop: stop.signal, emit });
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'interrupted', failedStep: 'wait', releaseAfter: 'r1' });
    expect(fc.server('web1').current).toBe('r1');
    expect(stepRuns(fc)).toEqual([]);
    expect(fc.ipvsWrites().some((w) => w.argv[1] === '-d')).toBe(false);
    expectBackInPool(fc);
    expect(fc.events('server-restored')).toHaveLength(1);
  });

  it('puts the server back when the drain itself fails on one director', async () => {
    const fc = cluster();
    fc.on('lvs2', / -e .* -w 0 /, { exitCode: 255, stderr: 'No such destination\n' });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'restored', failedStep: 'drain' });
    expect(result.error).toContain('lvs2');
    expectBackInPool(fc);
    expect(stepRuns(fc)).toEqual([]);
  });

  it('says interrupted (not a failure) when stopped while a director is still confirming the drain', async () => {
    const fc = cluster();
    // lvs2 accepts the quiesce but lags; Ctrl-C arrives while the engine polls for it.
    fc.on('lvs2', / -e .* -w 0 /, { exitCode: 0 }, { times: 1 });
    const stop = new AbortController();
    const h = await aHarness(fc, { stop: stop.signal });
    const real = h.flow.lb.tables;
    const tables: typeof real = {
      ...real,
      confirm: (server, targets, options) => {
        stop.abort(new Error('SIGINT'));
        return real.confirm(server, targets, options);
      },
    };
    const flow = { ...h.flow, lb: { ...h.flow.lb, tables } };
    const result = await releaseServer(h.server('web1'), flow);
    expect(result.outcome).toBe('interrupted');
    expectBackInPool(fc);
    expect(stepRuns(fc)).toEqual([]);
  });

  it('with the healthfile method, lets keepalived take the server out and back, and restores only after verify', async () => {
    const health = '/srv/app/shared/health/ready.html';
    const fc = createFakeCluster({
      clock: fakeClock(),
      servers: [{ ...WEB1, healthFile: health }, WEB2],
      keepalived: { delayMs: { lvs1: 2000, lvs2: 6000 } },
    });
    const h = await aHarness(fc, { pipeline: aPipeline({ drain: { method: 'healthfile' } }) });
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'released', releaseAfter: 'r2' });
    expect(fc.ipvsWrites()).toEqual([]);
    expect(fc.server('web1').files).toEqual(new Set([health]));
    expectBackInPool(fc);
    const moves = fc.execs('web1').filter((e) => e.label?.startsWith('healthfile-'));
    const outOnBoth = fc.timeline.find((e) => e.kind === 'pool' && e.out.includes('web1'));
    const lvs2Zero = fc.changes().find((c) => c.director === 'lvs2' && c.change.type === 'dest-edited' && c.change.after.weight === 0);
    const firstDeploy = fc.execs('web1').find((e) => e.line.startsWith('ln -sfn'));
    // Deploy starts only once the slower director (lvs2) shows weight 0.
    expect(outOnBoth && lvs2Zero && firstDeploy && lvs2Zero.seq < firstDeploy.seq).toBe(true);
    const verified = stepRuns(fc).find((s) => s.phase === 'verify' && s.ok);
    expect(moves.map((m) => m.label)).toEqual(['healthfile-down', 'healthfile-up']);
    expect((moves[1]?.seq ?? -1) > (verified?.seq ?? Infinity)).toBe(true);
  });

  it('drains and restores a server in an address service and a fwmark service (DR)', async () => {
    const fwm = { kind: 'fwmark', family: 'inet', mark: 10 } as const;
    const fc = createFakeCluster({
      clock: fakeClock(),
      services: [VIP, fwm],
      servers: [
        { ...WEB1, forward: 'Route' },
        { ...WEB2, forward: 'Route' },
      ],
    });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result.outcome).toBe('released');
    expect(fc.ipvsWrites('lvs1').map((w) => w.argv.slice(1, 6).join(' '))).toEqual([
      '-e -t 10.0.0.100:80 -r 10.0.1.11:80',
      '-e -f 10 -r 10.0.1.11:0',
      '-d -t 10.0.0.100:80 -r 10.0.1.11:80',
      '-d -f 10 -r 10.0.1.11:0',
      '-a -t 10.0.0.100:80 -r 10.0.1.11:80',
      '-a -f 10 -r 10.0.1.11:0',
    ]);
    for (const d of ['lvs1', 'lvs2']) {
      expect(fc.weight('web1', d, VIP)).toBe(100);
      expect(fc.weight('web1', d, fwm)).toBe(100);
      expect(
        fc
          .state(d)
          .services()
          .flatMap((svc) => svc.dests)
          .filter((x) => x.address === '10.0.1.11')
          .map((x) => x.forward),
      ).toEqual(['Route', 'Route']);
    }
  });
});
