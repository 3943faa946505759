// SPEC "The release" 8 and the invariants on the lab, under load through the VIP: faults injected
// at the step where each matters most. A command that fails, a command that hangs past its
// timeout, an SSH connection dropped as a step starts, a director unreachable before the run,
// and a rollback that itself fails. Every cell checks, from the lab: every server in the pool on
// one release (those left out: out on every director and named), zero failed requests, never
// more than the batch out.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { RunReport } from '../../src/ui/report.ts';
import { startCli, type ChildResult, type CliChild } from './child.ts';
import {
  appIds,
  currentReleases,
  destChange,
  eventsOf,
  everOut,
  failIpvsadm,
  failuresOf,
  hangIpvsadm,
  isMutatingIpvsadm,
  recordDirectors,
  saveListings,
  startCheckedLab,
  type E2eLab,
  waitUntil,
} from './harness.ts';

const SERVERS = 4;
const NAMES = ['web1', 'web2', 'web3', 'web4'];
type Phase = 'prepare' | 'deploy' | 'verify' | 'rollback' | 'cleanup';

/** The shipped pipeline's phases with a step that fails when `{{root}}/FAIL-<phase>-<release>`
 * exists on the server (so verify after a rollback to v1 passes): first in prepare, rollback and
 * cleanup, last in deploy and verify (after the switch and restart). */
async function phasesWithMarkers(markers: readonly Phase[]): Promise<Record<string, unknown[]>> {
  const shipped = parse(await readFile(new URL('../../pipelines/symlink.yaml', import.meta.url), 'utf8')) as { phases: Record<Phase, unknown[]> };
  const phases: Record<string, unknown[]> = { ...shipped.phases };
  for (const phase of markers) {
    const marker = { name: `fault marker (${phase})`, run: `test ! -e {{root}}/FAIL-${phase}-{{release}}` };
    phases[phase] = phase === 'deploy' || phase === 'verify' ? [...shipped.phases[phase], marker] : [marker, ...shipped.phases[phase]];
  }
  return phases;
}

async function plantMarker(e: E2eLab, server: string, phase: Phase): Promise<void> {
  const host = e.lab.servers.find((s) => s.name === server);
  if (!host) throw new Error(`no server ${server}`);
  await writeFile(join(host.dir, 'app', `FAIL-${phase}-v2`), 'injected by faults.test.ts\n');
}

function sshHost(e: E2eLab, name: string) {
  const host = e.lab.sshHost(name);
  if (!host) throw new Error(`no SSH host ${name}`);
  return host;
}

interface Outcome {
  run: ChildResult;
  report: RunReport | undefined;
}

interface Cell {
  fault: 'fails' | 'hangs' | 'dropped' | 'unreachable' | 'rollback fails' | 'rollback hangs';
  step: 'preflight' | 'prepare' | 'drain' | 'wait' | 'deploy' | 'verify' | 'restore' | 'cleanup' | 'rollback';
  /** Why this outcome is the right one. */
  why: string;
  batch?: number;
  markers?: { phase: Phase; server: string }[];
  /** Set before the run starts. */
  before?(e: E2eLab): void;
  /** Runs beside the release: waits for a line, injects, waits, clears. */
  during?(e: E2eLab, run: CliChild): Promise<void>;
  /** Clears what `before` set, once the run has ended. */
  after?(e: E2eLab): void;
  code: 0 | 1 | 3 | 4;
  /** What every server still in the pool runs at the end. */
  release: 'v1' | 'v2';
  /** Servers left out of the pool (exit 4). */
  stuck?: string[];
  check?(e: E2eLab, outcome: Outcome): void | Promise<void>;
}

const serverResult = (o: Outcome, name: string) => o.report?.servers.find((s) => s.server === name);

const CELLS: Cell[] = [
  // ---- a command fails ----
  {
    fault: 'fails',
    step: 'preflight',
    code: 3,
    release: 'v1',
    why: 'ipvsadm on lvs2 fails (no IPVS in the kernel) before the run: preflight cannot read its table, so the run is refused and nothing changes',
    before: (e) => {
      const lvs2 = e.lab.directors.find((d) => d.name === 'lvs2');
      if (lvs2) lvs2.state.initError = 'no-ipvs';
    },
    after: (e) => {
      const lvs2 = e.lab.directors.find((d) => d.name === 'lvs2');
      if (lvs2) lvs2.state.initError = undefined;
    },
    check: (_e, o) => {
      expect(o.run.stderr).toMatch(/PREFLIGHT_FAILED/);
      expect(o.run.stderr).toMatch(/lvs2/);
    },
  },
  {
    fault: 'fails',
    step: 'prepare',
    code: 1,
    release: 'v1',
    markers: [{ phase: 'prepare', server: 'web3' }],
    why: 'prepare of batch 2 (run ahead, web3 still in the pool) fails: no batch 2 drain; batch 1 is rolled back (rollback: all)',
    check: (e, o) => {
      expect(serverResult(o, 'web3')).toMatchObject({ outcome: 'unchanged', failedStep: expect.stringMatching(/^prepare: fault marker/) });
      expect(everOut(e)).toEqual(['web1', 'web2']);
    },
  },
  {
    fault: 'fails',
    step: 'drain',
    code: 1,
    release: 'v1',
    why: 'the quiesce of web1 fails on lvs2: web1 is put back untouched (never restarted), web2 of the same batch finishes and is rolled back',
    during: async (e, run) => {
      const fault = failIpvsadm(e, 'lvs2', destChange(e, 0, '-e', 0));
      try {
        await run.done;
      } finally {
        fault.stop();
      }
      expect(fault.hits()).toBe(1);
    },
    check: (_e, o) => {
      expect(serverResult(o, 'web1')).toMatchObject({ outcome: 'restored', releaseAfter: 'v1', failedStep: 'drain' });
      expect(serverResult(o, 'web2')).toMatchObject({ outcome: 'rolled-back', releaseAfter: 'v1' });
    },
  },
  {
    fault: 'fails',
    step: 'wait',
    code: 1,
    release: 'v1',
    batch: 1,
    why: 'reading the connection count fails during the wait: web1 is put back untouched and the release stops',
    during: async (e, run) => {
      await run.waitForLine(/ web1 waiting: /);
      // One read of the pair fails: the count cannot be read (a second could hit the put-back).
      const fault = failIpvsadm(e, 'lvs1', (argv) => argv[0] === '-L');
      try {
        await run.done;
      } finally {
        fault.stop();
      }
      expect(fault.hits()).toBe(1);
    },
    check: (_e, o) => {
      expect(serverResult(o, 'web1')).toMatchObject({ outcome: 'restored', releaseAfter: 'v1', failedStep: 'wait' });
    },
  },
  {
    fault: 'fails',
    step: 'deploy',
    code: 1,
    release: 'v1',
    markers: [{ phase: 'deploy', server: 'web1' }],
    why: 'the last deploy step fails on web1 (after the switch and restart): web1 is switched back, verified and restored; web2 is rolled back too',
    check: (_e, o) => {
      expect(serverResult(o, 'web1')).toMatchObject({ outcome: 'rolled-back', releaseAfter: 'v1', failedStep: expect.stringMatching(/^deploy: fault marker/) });
      expect(o.report?.markedBad).toEqual(expect.arrayContaining([{ server: 'web1', release: 'v2' }]));
    },
  },
  {
    fault: 'fails',
    step: 'verify',
    code: 1,
    release: 'v1',
    markers: [{ phase: 'verify', server: 'web3' }],
    why: 'web3 fails verify in batch 2: it is rolled back, and every server released so far (web1, web2, web4) is rolled back in batches',
    check: (_e, o) => {
      expect(serverResult(o, 'web3')).toMatchObject({ outcome: 'rolled-back', failedStep: expect.stringMatching(/^verify: fault marker/) });
      expect(
        o.report?.batches
          .filter((b) => b.purpose === 'rollback')
          .flatMap((b) => b.servers)
          .sort(),
      ).toEqual(['web1', 'web2', 'web4']);
    },
  },
  {
    fault: 'fails',
    step: 'restore',
    code: 4,
    release: 'v1',
    stuck: ['web1'],
    why: 'every re-add of web1 fails on lvs2 after a good deploy: the tool cannot put it back, so it must be OUT on every director (never half in: lvs1 would route to it while lvs2, after a failover, would not) and named, exit 4',
    during: async (e, run) => {
      const fault = failIpvsadm(e, 'lvs2', destChange(e, 0, '-a'), Number.POSITIVE_INFINITY);
      try {
        await run.done;
      } finally {
        fault.stop();
      }
      expect(fault.hits()).toBeGreaterThan(0);
    },
    check: (_e, o) => {
      expect(serverResult(o, 'web1')?.outcome).toMatch(/^(rollback|restore)-failed$/);
    },
  },
  {
    fault: 'fails',
    step: 'cleanup',
    code: 0,
    release: 'v2',
    markers: [{ phase: 'cleanup', server: 'web1' }],
    why: 'cleanup runs with web1 back in the pool on the new release: its failure is only a warning',
    check: (_e, o) => {
      expect(o.report?.warnings.filter((w) => w.code === 'CLEANUP_FAILED').map((w) => w.server)).toEqual(['web1']);
      expect(serverResult(o, 'web1')?.outcome).toBe('released');
    },
  },
  // ---- a command hangs past its timeout (stepTimeout 5s) ----
  {
    fault: 'hangs',
    step: 'drain',
    code: 1,
    release: 'v1',
    why: 'the quiesce of web1 hangs on lvs2 until its timeout: the tables show it did not happen, web1 is put back, web2 rolled back',
    during: async (e, run) => {
      const fault = hangIpvsadm(e, 'lvs2', destChange(e, 0, '-e', 0));
      try {
        await run.done;
      } finally {
        fault.stop();
      }
      expect(fault.hits()).toBe(1);
    },
    check: (e, o) => {
      expect(serverResult(o, 'web1')).toMatchObject({ outcome: 'restored', failedStep: 'drain' });
      expect(eventsOf(e, 'director-action').some((a) => a.stage === 'failed' && a.server === 'web1' && a.director === 'lvs2' && a.detail === 'timed out')).toBe(
        true,
      );
    },
  },
  {
    fault: 'hangs',
    step: 'deploy',
    code: 1,
    release: 'v1',
    why: 'web1 stops answering once drained: the switch times out, web1 is rolled back once it answers again (and verified), web2 too',
    during: async (e, run) => {
      await run.waitForLine(/ web1 drained in /);
      sshHost(e, 'web1').faults.hang = true;
      try {
        await run.waitForLine(/ web1 deploy #0 FAILED after .*timed out/);
      } finally {
        sshHost(e, 'web1').faults.hang = false;
      }
    },
    check: (_e, o) => {
      expect(serverResult(o, 'web1')).toMatchObject({
        outcome: 'rolled-back',
        releaseAfter: 'v1',
        failedStep: expect.stringMatching(/^deploy: switch current/),
      });
    },
  },
  {
    fault: 'hangs',
    step: 'cleanup',
    code: 0,
    release: 'v2',
    why: 'web1 stops answering once restored: cleanup times out, which is only a warning',
    during: async (e, run) => {
      await run.waitForLine(/ web1 restored on /);
      sshHost(e, 'web1').faults.hang = true;
      try {
        await run.waitForLine(/ web1 cleanup #0 FAILED after .*timed out/);
      } finally {
        sshHost(e, 'web1').faults.hang = false;
      }
    },
    check: (_e, o) => {
      expect(o.report?.warnings.filter((w) => w.code === 'CLEANUP_FAILED').map((w) => w.server)).toEqual(['web1']);
    },
  },
  // ---- the SSH connection drops as a step starts ----
  {
    fault: 'dropped',
    step: 'drain',
    code: 0,
    release: 'v2',
    why: "lvs1 drops every SSH connection as web1's drain starts: the session reconnects before the next command, reads are asked again, the change is decided from the tables; the release goes on",
    during: async (e, run) => {
      await run.waitForLine(/ web1 draining on /);
      expect(sshHost(e, 'lvs1').dropConnections()).toBeGreaterThan(0);
    },
  },
  {
    fault: 'dropped',
    step: 'wait',
    code: 0,
    release: 'v2',
    why: "lvs1 drops every SSH connection during web1's wait: the count is read again after reconnecting; the release goes on",
    during: async (e, run) => {
      await run.waitForLine(/ web1 waiting: /);
      expect(sshHost(e, 'lvs1').dropConnections()).toBeGreaterThan(0);
    },
  },
  {
    fault: 'dropped',
    step: 'deploy',
    code: 1,
    release: 'v1',
    why: 'web1 drops its SSH connection while the restart runs: the outcome is unknown, so web1 fails and is rolled back after reconnecting (never repeating the lost command blindly); web2 too',
    during: async (e, run) => {
      await run.waitForLine(/ web1 deploy #1 started/);
      // The restart's exec is running in the lab once web1's app is down (the step waits for the
      // journal on the disk before it sends the command: a drop before that is only a reconnect).
      const app = e.lab.servers.find((s) => s.name === 'web1')?.app;
      await waitUntil('web1 restarting', () => app?.status().running === false, 30_000, 1);
      expect(sshHost(e, 'web1').dropConnections()).toBeGreaterThan(0);
    },
    check: (_e, o) => {
      expect(serverResult(o, 'web1')).toMatchObject({ outcome: 'rolled-back', releaseAfter: 'v1', error: expect.stringMatching(/SSH connection was lost/) });
    },
  },
  // ---- a director unreachable before the run ----
  {
    fault: 'unreachable',
    step: 'preflight',
    code: 3,
    release: 'v1',
    why: 'lvs2 refuses SSH before the run: refused before any server is drained, nothing changed',
    before: (e) => {
      sshHost(e, 'lvs2').faults.refuseNew = true;
    },
    check: (_e, o) => {
      expect(o.run.stderr).toMatch(/lvs2/);
    },
  },
  // ---- a rollback that itself fails ----
  {
    fault: 'rollback fails',
    step: 'rollback',
    code: 4,
    release: 'v1',
    stuck: ['web1'],
    markers: [
      { phase: 'deploy', server: 'web1' },
      { phase: 'rollback', server: 'web1' },
    ],
    why: 'web1 fails its deploy, then its rollback fails: it stays out of the pool on every director, named, exit 4; web2 is rolled back, the rest never touched',
    check: (_e, o) => {
      expect(serverResult(o, 'web1')).toMatchObject({ outcome: 'rollback-failed', failedStep: expect.stringMatching(/^rollback: fault marker/) });
      expect(serverResult(o, 'web2')).toMatchObject({ outcome: 'rolled-back', releaseAfter: 'v1' });
    },
  },
  {
    fault: 'rollback hangs',
    step: 'rollback',
    code: 4,
    release: 'v1',
    stuck: ['web1'],
    markers: [{ phase: 'deploy', server: 'web1' }],
    why: 'web1 fails its deploy and then stops answering: its rollback times out, so it stays out of the pool on every director, named, exit 4',
    during: async (e, run) => {
      await run.waitForLine(/ web1 deploy #2 FAILED/);
      sshHost(e, 'web1').faults.hang = true;
      try {
        await run.done;
      } finally {
        sshHost(e, 'web1').faults.hang = false;
      }
    },
    check: (_e, o) => {
      expect(serverResult(o, 'web1')).toMatchObject({ outcome: 'rollback-failed', failedStep: expect.stringMatching(/^rollback: switch current back/) });
    },
  },
];

/** `promise`, or a clear failure naming `what` after `ms` (so a stuck step is named, not a test timeout). */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function runCell(cell: Cell): Promise<void> {
  const batch = cell.batch ?? 2;
  const markers = cell.markers ?? [];
  const e = await startCheckedLab({
    servers: SERVERS,
    timeScale: 0.002,
    drain: { poll: '250ms' },
    pipelineExtra: { stepTimeout: '5s', ...(markers.length > 0 ? { phases: await phasesWithMarkers(markers.map((m) => m.phase)) } : {}) },
  });
  try {
    const artifact = await e.artifact('v2');
    for (const m of markers) await plantMarker(e, m.server, m.phase);
    const tables = saveListings(e);
    const ids = appIds(e);
    const recorder = recordDirectors(e);
    cell.before?.(e);
    const load = e.startLoad();
    const run = startCli(['-c', e.config, '--artifact', artifact, '--release-id', 'v2', '--batch', String(batch), '--report', 'report.json'], { cwd: e.dir });
    const during = cell.during?.(e, run).catch((error: unknown) => {
      run.kill('SIGKILL');
      throw error;
    });
    // Bounded below the test's own timeout, so a run that never ends fails with its output.
    const [result] = await Promise.all([run.wait(150_000), during]);
    cell.after?.(e);
    const traffic = await within(30_000, 'stopping the load', load.stop());
    recorder.stop();
    const report = await readFile(join(e.dir, 'report.json'), 'utf8').then(
      (t) => JSON.parse(t) as RunReport,
      () => undefined,
    );

    expect(result.code, result.stdout + result.stderr).toBe(cell.code);
    const stuck = cell.stuck ?? [];
    const weights = e.weights();
    const versions = e.versions();
    const current = await currentReleases(e);
    for (const name of NAMES) {
      if (stuck.includes(name)) {
        for (const [director, w] of Object.entries(weights)) expect([0, null], `${name} on ${director}`).toContain(w[name]);
        expect(result.stdout, `${name} named`).toMatch(new RegExp(`${name}\\s+(ROLLBACK|RESTORE) FAILED`));
        expect(serverResult({ run: result, report }, name)?.outcome).toMatch(/failed$/);
        continue;
      }
      for (const [director, w] of Object.entries(weights)) expect(w[name], `${name} on ${director}`).toBe(100);
      expect(versions[name], `${name} running`).toBe(cell.release);
      expect(current[name], `${name} current`).toBe(cell.release);
    }
    expect(failuresOf(traffic), traffic.errorSamples.join('; ')).toEqual({});
    expect(traffic.ok).toBeGreaterThan(0);
    expect(e.maxOut()).toBeLessThanOrEqual(batch);
    if (cell.code === 3) {
      // Refused: nothing changed anywhere, and no run was recorded.
      expect(recorder.commands.filter((c) => isMutatingIpvsadm(c.argv))).toEqual([]);
      expect(saveListings(e)).toEqual(tables);
      expect(appIds(e)).toEqual(ids);
      expect(eventsOf(e, 'run-started')).toEqual([]);
      expect(e.maxOut()).toBe(0);
    }
    await cell.check?.(e, { run: result, report });
  } finally {
    for (const h of [...e.lab.directors.map((d) => e.lab.sshHost(d.name)), ...e.lab.servers.map((s) => s.ssh)]) {
      if (h) Object.assign(h.faults, { hang: false, refuseNew: false });
    }
    await within(60_000, 'closing the lab', e.close());
  }
}

describe.concurrent('faults during a release (--batch 2 on 4 servers unless said), under load', () => {
  it.each(CELLS.map((c) => [`${c.fault} at ${c.step}`, c.code, c] as const))(
    '%s: exit %i',
    async (_name, _code, cell) => {
      await runCell(cell);
    },
    300_000,
  );
});
