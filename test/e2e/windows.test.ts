// SPEC "Peak windows" on the lab: a window covering now refuses a release before any SSH
// connection (exit 3), --force-window needs --reason and records it, `release windows --at` is
// pure, and a window limited to `schedule` does not block a manual start.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventsOf,
  failuresOf,
  journalEvents,
  sshHostsOf,
  startE2eLab,
  windowAround,
  withSshRefused,
  writeClusterVariant,
  trafficDiagnosis,
  type E2eLab,
} from './harness.ts';

const NOW = new Date();
const peak = windowAround(NOW, 'lunch-peak');
const hours = (h: number) => new Date(NOW.getTime() + h * 3_600_000).toISOString();

let e: E2eLab;
beforeAll(async () => {
  e = await startE2eLab({ servers: 4, timeScale: 0.01, clusterExtra: { peakWindows: { timezone: 'UTC', windows: [peak.window] } } });
});
afterAll(async () => {
  await e?.close();
});

function noSshOpen(): void {
  expect(sshHostsOf(e).map((h) => h.connectionCount())).toEqual(Array(sshHostsOf(e).length).fill(0));
}

describe('peak windows on the lab', () => {
  it('a window covering now: exit 3 before any SSH connection, naming the window and its end', async () => {
    const good = await e.artifact('v2');
    // Every host closes new connections: had the CLI connected first, it would fail with SSH_CONNECT_FAILED instead.
    const result = await withSshRefused(e, () => e.release(['--artifact', good, '--release-id', 'r2', '--batch', '2']));
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(3);
    expect(result.stderr).toMatch(/✖ PEAK_WINDOW /);
    expect(output).not.toMatch(/SSH_CONNECT_FAILED/);
    expect(output).toContain('"lunch-peak"');
    expect(output).toMatch(new RegExp(`until \\d{4}-\\d{2}-\\d{2} ${peak.to} UTC`));
    noSshOpen();
    expect(eventsOf(e, 'run-started')).toEqual([]);
    expect(Object.values(e.versions())).toEqual(['v1', 'v1', 'v1', 'v1']);
    expect(e.maxOut()).toBe(0);
  });

  it('--force-window without --reason is a usage error (exit 2), nothing touched', async () => {
    const good = await e.artifact('v2');
    const result = await withSshRefused(e, () => e.release(['--artifact', good, '--release-id', 'r2', '--force-window']));
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/--force-window needs --reason/);
    const blank = await withSshRefused(e, () => e.release(['--artifact', good, '--release-id', 'r2', '--force-window', '--reason', '  ']));
    expect(blank.code, blank.stdout + blank.stderr).toBe(2);
    noSshOpen();
    expect(journalEvents(e).filter((ev) => ev.type === 'run-started')).toEqual([]);
  });

  it('release windows --at: exit 3 inside the window, 0 outside, without touching the lab', async () => {
    const inside = await withSshRefused(e, () => e.cli(['windows', '-c', e.config, '--at', NOW.toISOString()]));
    expect(inside.code, inside.stdout + inside.stderr).toBe(3);
    expect(inside.stdout).toMatch(/refused: inside peak window "lunch-peak"/);
    expect(inside.stdout).toMatch(/next allowed start: /);
    const outside = await withSshRefused(e, () => e.cli(['windows', '-c', e.config, '--at', hours(6)]));
    expect(outside.code, outside.stdout + outside.stderr).toBe(0);
    expect(outside.stdout).toMatch(/allowed: no peak window, freeze or guard applies/);
    // An instant without an offset is ambiguous: a usage error.
    const naive = await e.cli(['windows', '-c', e.config, '--at', hours(6).replace('Z', '')]);
    expect(naive.code).toBe(2);
    // A freeze from yesterday to tomorrow refuses with its own code.
    const local = (h: number) => hours(h).slice(0, 16);
    const frozen = await writeClusterVariant(e, 'frozen.yaml', {
      peakWindows: { timezone: 'UTC', windows: [], freezes: [{ from: local(-24), to: local(24), reason: 'Double 11' }] },
    });
    const freeze = await withSshRefused(e, () => e.cli(['windows', '-c', frozen, '--at', NOW.toISOString()]));
    expect(freeze.code, freeze.stdout + freeze.stderr).toBe(3);
    expect(freeze.stdout).toMatch(/freeze "Double 11"/);
    const good = await e.artifact('v2');
    const refused = await withSshRefused(e, () => e.cli(['-c', frozen, '--artifact', good, '--release-id', 'r2']));
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/✖ FREEZE .*Double 11/);
    noSshOpen();
  });

  it('a window limited to [schedule] blocks a scheduled start but not --trigger manual', async () => {
    const scheduleOnly = await writeClusterVariant(e, 'schedule-only.yaml', {
      peakWindows: { timezone: 'UTC', windows: [windowAround(NOW, 'nightly-jobs', { triggers: ['schedule'] }).window] },
    });
    const manual = await e.cli(['windows', '-c', scheduleOnly, '--at', NOW.toISOString(), '--trigger', 'manual']);
    expect(manual.code, manual.stdout).toBe(0);
    const scheduled = await e.cli(['windows', '-c', scheduleOnly, '--at', NOW.toISOString(), '--trigger', 'schedule']);
    expect(scheduled.code, scheduled.stdout).toBe(3);
    expect(scheduled.stdout).toMatch(/"nightly-jobs"/);
    // The release command itself: a dry run reads the real state and changes nothing, so a window
    // does not stop it (issue 12 item 4): it runs, exit 0, and says a real run would be refused.
    const good = await e.artifact('v2');
    const blocked = await e.cli(['-c', scheduleOnly, '--artifact', good, '--release-id', 'r2', '--dry-run', '--trigger', 'schedule']);
    expect(blocked.code, blocked.stdout + blocked.stderr).toBe(0);
    expect(blocked.stdout).toMatch(/window: a real run would be refused now \(PEAK_WINDOW\): .*"nightly-jobs"/);
    const real = await withSshRefused(e, () => e.cli(['-c', scheduleOnly, '--artifact', good, '--release-id', 'r2', '--trigger', 'schedule']));
    expect(real.code, real.stdout + real.stderr).toBe(3);
    expect(real.stderr).toMatch(/✖ PEAK_WINDOW .*"nightly-jobs"/);
    const dry = await e.cli(['-c', scheduleOnly, '--artifact', good, '--release-id', 'r2', '--dry-run', '--trigger', 'manual']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/nothing was changed/);
    expect(Object.values(e.versions())).toEqual(['v1', 'v1', 'v1', 'v1']);
    expect(e.maxOut()).toBe(0);
  });

  it('--force-window --reason: the release runs under load (exit 0) and the reason is recorded in the report and the journal', async () => {
    const good = await e.artifact('v2');
    const report = join(e.dir, 'forced-report.json');
    const load = e.startLoad({ concurrency: 2 });
    const result = await e.release([
      '--artifact',
      good,
      '--release-id',
      'r2',
      '--batch',
      '2',
      '--force-window',
      '--reason',
      'hotfix INC-1',
      '--report',
      report,
    ]);
    const traffic = await load.stop();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(failuresOf(traffic), trafficDiagnosis(e, traffic)).toEqual({});
    expect(traffic.ok).toBeGreaterThan(20);
    expect(Object.values(e.versions())).toEqual(['v2', 'v2', 'v2', 'v2']);
    for (const weights of Object.values(e.weights())) expect(Object.values(weights)).toEqual([100, 100, 100, 100]);
    expect(e.maxOut()).toBeLessThanOrEqual(2);
    expect(e.maxOut()).toBeGreaterThan(0);

    const doc = JSON.parse(await readFile(report, 'utf8')) as { outcome: string; forcedWindow?: { reason: string; blockers: string[] } };
    expect(doc.outcome).toBe('released');
    expect(doc.forcedWindow?.reason).toBe('hotfix INC-1');
    expect(doc.forcedWindow?.blockers.join(' ')).toMatch(/lunch-peak/);
    const started = eventsOf(e, 'run-started');
    expect(started).toHaveLength(1);
    expect(started[0]?.forcedWindow?.reason).toBe('hotfix INC-1');
    expect(started[0]?.forcedWindow?.blockers.join(' ')).toMatch(/lunch-peak/);
    expect(result.stdout + result.stderr).toMatch(/hotfix INC-1/);
  });

  it('the window never blocks a rollback: release rollback inside it runs (exit 0) under load', async () => {
    expect(Object.values(e.versions())).toEqual(['v2', 'v2', 'v2', 'v2']);
    const load = e.startLoad({ concurrency: 2 });
    const rollback = await e.cli(['rollback', '-c', e.config, '--batch', '2']);
    const traffic = await load.stop();
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expect(Object.values(e.versions())).toEqual(['v1', 'v1', 'v1', 'v1']);
    for (const weights of Object.values(e.weights())) expect(Object.values(weights)).toEqual([100, 100, 100, 100]);
    expect(failuresOf(traffic), trafficDiagnosis(e, traffic)).toEqual({});
    expect(e.maxOut()).toBeLessThanOrEqual(2);
    // ... while a new release is still refused.
    const good = await e.artifact('v2');
    const refused = await e.release(['--artifact', good, '--release-id', 'r3']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
  });
});
