import { describe, expect, it } from 'vitest';
import { buildReport, buildSummary, formatSummaryTable, REPORT_VERSION } from '../../src/ui/summary.ts';
import { aRolledBackRun, stamp } from './events.ts';

describe('buildSummary', () => {
  it('gives each server its releases, time out of the pool, drain time, outcome and failure', () => {
    const summary = buildSummary(aRolledBackRun());
    const byName = Object.fromEntries(summary.servers.map((s) => [s.server, s]));
    expect(summary.servers.map((s) => s.server)).toEqual(['web1', 'web2', 'web3', 'web4']);
    expect(byName.web1).toMatchObject({ outcome: 'released', releaseBefore: 'r1', releaseAfter: 'r2', outOfPoolMs: 9000, drainMs: 4000, batches: [0] });
    expect(byName.web3).toMatchObject({
      outcome: 'rolled-back',
      releaseBefore: 'r1',
      releaseAfter: 'r1',
      outOfPoolMs: 15_000,
      failedStep: 'verify #1 http GET /',
      error: 'expected status 200, got 503',
      batches: [1],
    });
  });

  it('gives the run its outcome, exit code, durations, batches and warnings', () => {
    const summary = buildSummary(aRolledBackRun());
    expect(summary).toMatchObject({ runId: 'run-1', cluster: 'web-prod', release: 'r2', outcome: 'rolled-back', exitCode: 1, dryRun: false });
    expect(summary.startedAt).toBe('2026-11-25T10:00:00.000Z');
    expect(summary.durationMs).toBe(Date.parse(summary.finishedAt ?? '') - Date.parse(summary.startedAt ?? ''));
    expect(summary.durationMs).toBeGreaterThan(0);
    expect(summary.batches.map((b) => [b.index, b.ok])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect(summary.batches.every((b) => (b.durationMs ?? 0) > 0)).toBe(true);
    expect(summary.warnings.map((w) => w.code)).toEqual(['PERSISTENCE']);
    expect(summary.markedBad).toEqual([{ server: 'web3', release: 'r2' }]);
  });

  it('records a forced window, and a run that never finished', () => {
    const summary = buildSummary(
      stamp([
        {
          type: 'run-started',
          cluster: 'c',
          release: 'r9',
          command: 'release',
          trigger: 'manual',
          dryRun: false,
          user: 'u',
          host: 'h',
          pid: 1,
          forcedWindow: { reason: 'hotfix', blockers: ['evening'] },
        },
        {
          type: 'preflight',
          servers: [
            { name: 'web1', inPool: true, release: 'r8' },
            { name: 'web2', inPool: true, release: 'r8' },
          ],
        },
        { type: 'batch-started', index: 0, servers: ['web1'], purpose: 'release' },
        { type: 'release-switch', stage: 'done', server: 'web1', from: 'r8', to: 'r9' },
      ]),
    );
    expect(summary.forcedWindow).toEqual({ reason: 'hotfix', blockers: ['evening'] });
    expect(summary.outcome).toBe('unfinished');
    expect(summary.exitCode).toBeNull();
    expect(summary.durationMs).toBeNull();
    expect(summary.servers).toMatchObject([
      { server: 'web1', outcome: 'unfinished', releaseBefore: 'r8', releaseAfter: 'r9' },
      { server: 'web2', outcome: 'not-started', releaseBefore: 'r8', releaseAfter: 'r8' },
    ]);
  });

  it('adds up a server drained twice (released, then rolled back with the rest) and keeps its first release', () => {
    const summary = buildSummary(
      stamp([
        { type: 'batch-started', index: 0, servers: ['web1'], purpose: 'release' },
        { type: 'server-finished', server: 'web1', outcome: 'released', releaseBefore: 'r1', releaseAfter: 'r2', outOfPoolMs: 5000, drainMs: 1000 },
        { type: 'batch-started', index: 2, servers: ['web1'], purpose: 'rollback' },
        { type: 'server-finished', server: 'web1', outcome: 'rolled-back', releaseBefore: 'r2', releaseAfter: 'r1', outOfPoolMs: 4000, drainMs: 2000 },
      ]),
    );
    expect(summary.servers[0]).toMatchObject({
      outcome: 'rolled-back',
      releaseBefore: 'r1',
      releaseAfter: 'r1',
      outOfPoolMs: 9000,
      drainMs: 3000,
      batches: [0, 2],
    });
  });
});

describe('formatSummaryTable', () => {
  it('prints a heading and a table whose columns line up', () => {
    const text = formatSummaryTable(buildSummary(aRolledBackRun()));
    const lines = text.split('\n');
    expect(lines[0]).toBe('release r2 on web-prod: rolled back (exit 1) in 40s');
    const header = lines.find((l) => l.startsWith('server'));
    expect(header).toBeDefined();
    const rows = lines.filter((l) => /^web\d {2,}/.test(l));
    expect(rows).toHaveLength(4);
    const col = (header ?? '').indexOf('out of pool');
    for (const row of rows) expect(row.slice(col)).toMatch(/^\d/);
    expect(rows[2]).toMatch(/^web3\s+rolled back\s+r1\s+r1\s+15s\s+4\.0s\s+verify #1 http GET \/: expected status 200, got 503$/);
    expect(text).toContain('batch 2: FAILED');
    expect(text).toContain('PERSISTENCE');
  });
});

describe('buildReport', () => {
  it('is versioned JSON carrying the summary', () => {
    const summary = buildSummary(aRolledBackRun());
    const report = buildReport(summary);
    expect(report.version).toBe(REPORT_VERSION);
    expect(REPORT_VERSION).toBe(1);
    const roundTrip = JSON.parse(JSON.stringify(report)) as typeof report;
    expect(roundTrip).toEqual(report);
    expect(roundTrip.servers.find((s) => s.server === 'web3')?.outcome).toBe('rolled-back');
    expect(roundTrip.exitCode).toBe(1);
  });
});
