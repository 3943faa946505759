import { describe, expect, it } from 'vitest';
import { parseGnuTime, parseVmHwm } from '../../bench/release-process.ts';
import { directorExecKind, directorExecKinds } from '../../bench/director-execs.ts';
import { summarizeScale, type ScaleInput, type ScaleSummary } from '../../bench/scale-analysis.ts';
import { checkTargets } from '../../bench/targets.ts';
import type { ReleaseEvent } from '../../src/events/types.ts';
import type { SshHostUsage } from '../../src/lab/host/ssh-host.ts';
import type { TimelinePoint } from '../../src/lab/timeline.ts';

const T0 = Date.parse('2026-12-03T10:00:00.000Z');
const ev = (ms: number, e: Record<string, unknown>): ReleaseEvent => ({ at: new Date(T0 + ms).toISOString(), runId: 'r', ...e }) as ReleaseEvent;
const usage = (over: Partial<SshHostUsage> = {}): SshHostUsage => ({ connections: 1, execs: 0, sftp: 0, shells: 0, forwards: 0, maxChannels: 1, ...over });
const point = (ms: number, outServers: string[]): TimelinePoint => ({ at: T0 + ms, director: 'lvs1', out: outServers.length, outServers, cause: 'change' });

// One batch of one server: draining at 100, out at 120, drained at 200, deploy 250-700, verify 710-800, back at 850.
function oneServerRun(): ScaleInput {
  const step = (phase: string, step: number, label: string, from: number, to: number) => [
    ev(from, { type: 'step-started', server: 'web1', phase, step, label }),
    ev(to, { type: 'step-finished', server: 'web1', phase, step, label, ok: true, durationMs: to - from }),
  ];
  const events = [
    ev(10, { type: 'run-started' }),
    ev(50, { type: 'batch-started', index: 0, servers: ['web1'], purpose: 'release' }),
    ev(100, { type: 'server-draining', server: 'web1', purpose: 'release', method: 'ipvsadm', saved: [] }),
    ev(200, { type: 'server-drained', server: 'web1', drainMs: 60, connections: 0, timedOut: false }),
    ...step('deploy', 0, 'switch current', 250, 300),
    ...step('deploy', 1, 'restart the app', 300, 700),
    ...step('verify', 0, 'the app answers', 710, 800),
    ev(870, { type: 'server-restored', server: 'web1', weights: [], outOfPoolMs: 770 }),
    ...step('cleanup', 0, 'remove old releases', 880, 950),
    ev(960, { type: 'batch-finished', index: 0, ok: true }),
    ev(970, { type: 'run-finished', outcome: 'released', exitCode: 0 }),
  ];
  return {
    servers: 1,
    batch: 1,
    release: { exitCode: 0, wallMs: 1000, startedAt: T0 - 20, peakRssKiB: 150 * 1024, cpu: { userS: 1, sysS: 0.5 }, events },
    hosts: [
      { name: 'lvs1', role: 'director', usage: usage({ execs: 5, maxChannels: 2 }) },
      { name: 'web1', role: 'server', usage: usage({ execs: 6, sftp: 1 }) },
    ],
    routingPoints: [point(120, ['web1']), point(850, [])],
    maxOut: 1,
    trace: {
      flowEdges: [],
      execs: [
        { host: 'lvs1', command: 'export LVS_RELEASE_TAG=ab\nipvsadm -e -t v -r r -m -w 0 2>&1; printf x\nipvsadm -L -n 2>&1', from: T0 + 5, to: T0 + 30 },
      ],
      appCtl: [{ server: 'web1', command: 'restart', from: T0 + 350, to: T0 + 660, exitCode: 0 }],
      appStarts: [{ server: 'web1', id: 2, version: 'v2', at: T0 + 650 }],
      firstOk: [{ server: 'web1', id: 2, status: 200, arrivedAt: T0 + 780, at: T0 + 790 }],
    },
    load: { requests: 10, ok: 10, failures: { connect: 0, reset: 0 } },
  };
}

describe('summarizeScale', () => {
  const s = summarizeScale(oneServerRun());

  it('compares the time out of the pool with the floor, from the lab record', () => {
    expect(s.missing).toEqual([]);
    expect(s.medians).toMatchObject({ outMs: 730, floorMs: 440, strictFloorMs: 310, drainMs: 0, restartMs: 300, smokeMs: 140 });
    expect(s.medians.ratio).toBeCloseTo(730 / 440);
  });

  it('charges the batch wall beyond its slowest server to orchestration', () => {
    expect(s.batches).toEqual([{ index: 0, size: 1, wallMs: 910, slowestOutMs: 730, orchestrationMs: 180, beforeFirstOutMs: 70, afterLastBackMs: 110 }]);
    expect(s.orchestrationMedianMs).toBe(180);
  });

  it("cuts the server's time out of the pool into named pieces that add up", () => {
    const byName = Object.fromEntries(s.segments.map((x) => [x.name, x.ms]));
    expect(byName['quiesce (draining → out on the routing director)']).toBe(20);
    expect(byName['deploy: restart the app (app-ctl in the lab)']).toBe(310);
    expect(byName['deploy: restart the app (exec around it)']).toBe(90);
    expect(byName['between steps']).toBe(10);
    expect(byName['restore (last verify step → back on the routing director)']).toBe(50);
    expect(s.segments.reduce((a, b) => a + b.ms, 0)).toBe(770);
  });

  it('cuts the wall time at the first exec, the run and its batches', () => {
    expect(s.wall.map((x) => x.ms)).toEqual([25, 5, 40, 910, 0, 10, 10]);
    expect(s.wall.reduce((a, b) => a + b.ms, 0)).toBe(1000);
  });

  it('counts SSH use per server and role', () => {
    expect(s.director).toMatchObject({ execs: 5, perServer: 5, maxChannels: 2, connections: { min: 1, max: 1 } });
    expect(s.server).toMatchObject({ execs: 6, sftp: 1, perServer: 7 });
    expect(s.directorExecs).toEqual([{ kind: 'quiesce (+ confirming read)', count: 1, medianMs: 25, ipvsadmCalls: 2 }]);
  });
});

describe('directorExecKind', () => {
  it('reads the kind from the script the engine sent', () => {
    expect(directorExecKind('export LVS_RELEASE_TAG=1\nmkdir -p -- .lvs-release && cat > .lvs-release/lab.journal.json.tmp && mv')).toBe('journal copy');
    expect(directorExecKind('ipvsadm -L -n -c | awk x')).toBe('connection counts (-L -n -c | awk)');
    expect(directorExecKind('sudo -n ipvsadm -d -t a -r b 2>&1')).toBe('delete (+ confirming read)');
    expect(directorExecKind('ipvsadm -a -t a -r b -m -w 100 2>&1')).toBe('re-add (+ confirming read)');
    expect(directorExecKind('ipvsadm -L -n 2>&1; ipvsadm -L -n --thresholds')).toBe('table read (-L -n, --thresholds)');
    expect(directorExecKind('ip -o addr show')).toMatch(/^other/);
    expect(directorExecKinds([{ host: 'web1', command: 'true', from: 0, to: 1 }], ['lvs1'])).toEqual([]);
  });
});

describe('checkTargets', () => {
  const base = summarizeScale(oneServerRun());
  const sized = (servers: number, batch: number, over: Partial<ScaleSummary> = {}): ScaleSummary => ({ ...base, servers, batch, ...over });

  it('passes or fails each target with its numbers', () => {
    const results = checkTargets([sized(20, 5, { wallMs: 10_000 }), sized(200, 50, { wallMs: 14_000, maxOut: 51 })]);
    const byTarget = Object.fromEntries(results.map((r) => [r.target, r]));
    expect(byTarget['wall time of 200 servers ≤ 1.5 × wall of 20']).toMatchObject({ pass: true, detail: '14.0 s / 10.0 s = 1.40 ×' });
    expect(byTarget['never more than the batch size out of the pool']).toMatchObject({ pass: false, detail: '20: max 1 ≤ 5, 200: max 51 ≤ 50' });
    expect(byTarget['out of the pool ≤ 1.3 × physical floor (median of per-server ratios)']?.pass).toBe(false);
    expect(byTarget['release RSS ≤ 200 MiB at 200 servers']).toMatchObject({ pass: true, detail: '150.0 MiB' });
    expect(byTarget['orchestration per batch beyond the slowest server out ≤ 150 ms (median)']?.pass).toBe(false);
  });

  it('fails the targets that need a size that did not run', () => {
    const results = checkTargets([sized(100, 25)]);
    expect(results.find((r) => r.target.startsWith('wall time'))).toMatchObject({ pass: false, detail: 'needs the 20- and 200-server runs' });
  });
});

describe('release process readings', () => {
  it('reads GNU time -v and /proc status', () => {
    const report =
      '\tCommand being timed: "bin/release.js"\n\tUser time (seconds): 3.76\n\tSystem time (seconds): 1.07\n\tMaximum resident set size (kbytes): 172332\n';
    expect(parseGnuTime(report)).toEqual({ peakRssKiB: 172332, userS: 3.76, sysS: 1.07 });
    expect(parseGnuTime('nothing')).toBeUndefined();
    expect(parseVmHwm('Name:\tnode\nVmPeak:\t 1 kB\nVmHWM:\t  180432 kB\nVmRSS:\t 1 kB\n')).toBe(180432);
  });
});
