import { describe, expect, it } from 'vitest';
import { dryRunDeps } from '../../src/dry-run/seams.ts';
import { takeLockScript } from '../../src/lock/commands.ts';
import { EXIT, isReleaseError } from '../../src/core/errors.ts';
import type { ReleaseEvent } from '../../src/events/types.ts';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import { runRelease, type ReleaseRequest, type RunDeps } from '../../src/runner/run.ts';
import { dryRunSession, type DryRunReport } from '../../src/transport/dry-run.ts';
import type { HostSession } from '../../src/transport/types.ts';
import { createFakeCluster, type FakeCluster } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { aPipeline, aRunStep } from './builders.ts';

const SERVERS = [
  { name: 'web1', address: '10.0.1.11', connections: [2, 0] },
  { name: 'web2', address: '10.0.1.12', connections: [1, 0] },
  { name: 'web3', address: '10.0.1.13' },
];

function threeServers(): FakeCluster {
  return createFakeCluster({ clock: fakeClock(), servers: SERVERS, sudo: true });
}

function request(fc: FakeCluster, overrides: Partial<ReleaseRequest> = {}): ReleaseRequest {
  return { cluster: fc.cluster, pipeline: aPipeline(), batch: parseBatchSpec('1'), release: 'r2', trigger: 'manual', ...overrides };
}

function deps(fc: FakeCluster, events: ReleaseEvent[], wrap: (s: HostSession) => HostSession = (s) => s): RunDeps {
  return {
    openSessions: async () => new Map([...fc.sessions].map(([name, s]) => [name, wrap(s)])),
    emit: (event) => {
      events.push(event);
      fc.emit(event);
    },
    clock: fc.clock,
    stop: new AbortController().signal,
    confirmCanary: async () => true,
  };
}

describe('runRelease', () => {
  it('releases every server, batch by batch, and exits 0', async () => {
    const fc = threeServers();
    const events: ReleaseEvent[] = [];
    const result = await runRelease(request(fc), deps(fc, events));
    expect(result).toMatchObject({ exitCode: EXIT.ok, outcome: 'released' });
    expect(result.results.map((r) => [r.server, r.outcome, r.releaseBefore, r.releaseAfter])).toEqual([
      ['web1', 'released', 'r1', 'r2'],
      ['web2', 'released', 'r1', 'r2'],
      ['web3', 'released', 'r1', 'r2'],
    ]);
    expect(fc.maxOut()).toBe(1);
    expect(fc.outOfPool()).toEqual([]);
    expect(events[0]?.type).toBe('run-started');
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'released', exitCode: 0 });
    expect(new Set(events.map((e) => e.runId)).size).toBe(1);
    expect(fc.ipvsWrites().every((w) => w.line.startsWith('sudo -n ipvsadm '))).toBe(true);
  });

  it('exits 1 after a failure that was rolled back, and 4 when a rollback failed', async () => {
    const rolled = threeServers();
    rolled.on('web2', /^verify r2/, { exitCode: 1 });
    expect(await runRelease(request(rolled), deps(rolled, []))).toMatchObject({ exitCode: EXIT.failedRolledBack, outcome: 'rolled-back' });
    expect(['web1', 'web2', 'web3'].map((s) => rolled.server(s).current)).toEqual(['r1', 'r1', 'r1']);

    const stuck = threeServers();
    stuck.on('web2', /^verify /, { exitCode: 1 });
    const result = await runRelease(request(stuck), deps(stuck, []));
    expect(result).toMatchObject({ exitCode: EXIT.rollbackFailed, outcome: 'rollback-failed' });
    expect(stuck.outOfPool()).toEqual(['web2']);
  });

  it('refuses when a configured service is missing on a director, before changing anything', async () => {
    const fc = threeServers();
    fc.ipvsadm('lvs2', ['-D', '-t', '10.0.0.100:80']);
    const error = await runRelease(request(fc), deps(fc, [])).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isReleaseError(error) && error.code).toBe('PREFLIGHT_FAILED');
    expect((error as Error).message).toContain('service TCP 10.0.0.100:80 is not defined on director lvs2');
    expect(fc.ipvsWrites()).toEqual([]);
  });

  it('holds the cluster lock on every director for the whole run, and gives it back', async () => {
    const fc = threeServers();
    await runRelease(request(fc), deps(fc, []));
    const lockCalls = fc.execs().filter((e) => e.label === 'cluster lock');
    const acquires = lockCalls.filter((e) => e.line === takeLockScript(fc.cluster.lock.path).text);
    expect(acquires.map((e) => e.host)).toEqual(['lvs1', 'lvs2']);
    const firstRead = fc.execs().find((e) => e.line.includes('ipvsadm -L'));
    const writes = fc.ipvsWrites();
    expect(acquires.every((a) => a.seq < (firstRead?.seq ?? -1))).toBe(true);
    const releases = lockCalls.filter((e) => e.seq > (writes.at(-1)?.seq ?? Infinity));
    expect(releases.map((e) => e.host).sort()).toEqual(['lvs1', 'lvs2']);
    expect(fc.lockOn('lvs1')).toBeUndefined();
    expect(fc.lockOn('lvs2')).toBeUndefined();
  });

  it('refuses while another run holds the lock, naming it, and changes nothing', async () => {
    const fc = threeServers();
    fc.holdLock('lvs2', { token: 'feedface', user: 'alice', host: 'ci-7', pid: 4242, command: 'release', startedAt: '2026-11-25T01:59:00Z' }, 5_000);
    const error = await runRelease(request(fc), deps(fc, [])).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isReleaseError(error) && error.code).toBe('LOCK_HELD');
    expect((error as Error).message).toContain('alice@ci-7 pid 4242');
    expect(fc.ipvsWrites()).toEqual([]);
    expect(fc.lockOn('lvs1')).toBeUndefined();
    expect(fc.lockOn('lvs2')).toContain('feedface');
  });

  describe('dry run', () => {
    async function dryRun(pipeline = aPipeline()) {
      const fc = threeServers();
      const reports: DryRunReport[] = [];
      const events: ReleaseEvent[] = [];
      const result = await runRelease(request(fc, { pipeline }), dryRunDeps(deps(fc, events, (s) => dryRunSession(s, { report: (r) => reports.push(r) }))));
      // Servers' commands are reported by the session decorator, directors' by the simulated tables.
      const reported = (host: string) => [
        ...reports.flatMap((r) => (r.kind === 'exec' && r.host === host ? [r.commandLine] : [])),
        ...events.flatMap((e) => (e.type === 'command' && e.host === host && e.mutates ? [e.command] : [])),
      ];
      return { fc, result, reports, reported, events };
    }

    it('sends no mutating command to any host and changes no table', async () => {
      const { fc, result, events } = await dryRun();
      expect(result).toMatchObject({ exitCode: EXIT.ok });
      expect(events.find((e) => e.type === 'run-finished')).toMatchObject({ outcome: 'dry-run', exitCode: EXIT.ok });
      expect(fc.execs().filter((e) => e.mutates)).toEqual([]);
      expect(fc.changes()).toEqual([]);
      expect(fc.timeline.filter((e) => e.kind === 'upload')).toEqual([]);
      for (const s of ['web1', 'web2', 'web3']) expect(fc.server(s).current).toBe('r1');
    });

    it('reports the drain, delete and restore commands for every server on every director', async () => {
      const { reported } = await dryRun();
      for (const director of ['lvs1', 'lvs2']) {
        const lines = reported(director);
        for (const address of ['10.0.1.11', '10.0.1.12', '10.0.1.13']) {
          const mine = lines.filter((l) => l.includes(`-r ${address}:80`));
          expect(mine, `${address} on ${director}`).toEqual([
            `sudo -n ipvsadm -e -t 10.0.0.100:80 -r ${address}:80 -m -w 0 -x 0 -y 0`,
            `sudo -n ipvsadm -d -t 10.0.0.100:80 -r ${address}:80`,
            `sudo -n ipvsadm -a -t 10.0.0.100:80 -r ${address}:80 -m -w 100 -x 0 -y 0`,
          ]);
        }
      }
    });

    it('reports the pipeline steps of every server in phase order', async () => {
      const { reported } = await dryRun(aPipeline({ phases: { prepare: [aRunStep('prepare {{release}}')] } }));
      for (const s of ['web1', 'web2', 'web3']) {
        expect(reported(s)).toEqual(['prepare r2', 'ln -sfn releases/r2 /srv/app/current', 'app-ctl restart', 'verify r2', 'cleanup --keep 5']);
      }
    });
  });
});
