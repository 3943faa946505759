// SPEC "Output" and "Exit codes" on the lab, under load through the VIP: NDJSON with --json, a
// timestamped plain log in CI, the --report document, and a usage error naming its flag.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/ui/report.ts';
import { failuresOf, hashServerDirs, saveListings, startE2eLab, type E2eLab } from './harness.ts';

let env: E2eLab | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const ALL = ['web1', 'web2', 'web3', 'web4', 'web5', 'web6'];
const ISO_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

async function releaseUnderLoad(e: E2eLab, extra: string[]) {
  const good = await e.artifact('v2');
  const load = e.startLoad();
  const result = await e.release(['--artifact', good, '--release-id', 'r2', '--batch', '3', '--report', 'report.json', ...extra]);
  const traffic = await load.stop();
  return { result, traffic };
}

function expectReleased(e: E2eLab, traffic: Parameters<typeof failuresOf>[0]) {
  expect(Object.values(e.versions())).toEqual(Array(6).fill('v2'));
  for (const w of Object.values(e.weights())) expect(Object.values(w)).toEqual(Array(6).fill(100));
  expect(Object.keys(e.weights())).toEqual(['lvs1', 'lvs2']);
  expect(failuresOf(traffic)).toEqual({});
  expect(traffic.ok).toBeGreaterThan(20);
  expect(e.maxOut()).toBeGreaterThan(0);
  expect(e.maxOut()).toBeLessThanOrEqual(3);
}

/** The --report document of a good release of r2 over v1 in two batches of 3. */
async function expectReport(e: E2eLab): Promise<RunReport> {
  const report = JSON.parse(await readFile(join(e.dir, 'report.json'), 'utf8')) as RunReport;
  expect(report).toMatchObject({
    version: 1,
    cluster: 'lab',
    release: 'r2',
    command: 'release',
    trigger: 'ci',
    dryRun: false,
    outcome: 'released',
    exitCode: 0,
  });
  expect(report.runId).toEqual(expect.any(String));
  expect(report.durationMs).toBeGreaterThan(0);
  expect(report.batches.map((b) => [b.purpose, b.servers, b.ok])).toEqual([
    ['release', ['web1', 'web2', 'web3'], true],
    ['release', ['web4', 'web5', 'web6'], true],
  ]);
  expect(report.servers.map((s) => s.server).sort()).toEqual(ALL);
  for (const s of report.servers) {
    expect(s, s.server).toMatchObject({ outcome: 'released', releaseBefore: 'v1', releaseAfter: 'r2' });
    expect(s.outOfPoolMs, s.server).toBeGreaterThan(0);
    expect(s.failedStep).toBeUndefined();
  }
  expect(report.markedBad).toEqual([]);
  return report;
}

describe('output on the lab', () => {
  it('--json: every stdout line is one JSON event with a type, run-started first among the run, run-finished last; --report written', async () => {
    env = await startE2eLab({ servers: 6 });
    const { result, traffic } = await releaseUnderLoad(env, ['--json']);
    expect(result.code, result.stderr).toBe(0);
    expectReleased(env, traffic);

    expect(result.stdout.endsWith('\n')).toBe(true);
    const lines = result.stdout.slice(0, -1).split('\n');
    const events = lines.map((line, i) => {
      let parsed: unknown;
      expect(() => (parsed = JSON.parse(line)), `line ${i + 1}: ${line}`).not.toThrow();
      expect(parsed, `line ${i + 1}`).toEqual(expect.objectContaining({ type: expect.any(String), at: expect.any(String), runId: expect.any(String) }));
      expect(Array.isArray(parsed), `line ${i + 1}`).toBe(false);
      return parsed as { type: string; at: string; runId: string; [k: string]: unknown };
    });
    expect(events.length).toBeGreaterThan(20);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'run-started')).toHaveLength(1);
    expect(types.filter((t) => t === 'run-finished')).toHaveLength(1);
    const started = types.indexOf('run-started');
    // Nothing of the run itself comes before run-started.
    for (const t of ['preflight', 'plan', 'batch-started', 'step-started', 'server-draining', 'director-action', 'server-finished']) {
      expect(types.indexOf(t), t).toBeGreaterThan(started);
    }
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'released', exitCode: 0 });
    expect(events[started]).toMatchObject({ cluster: 'lab', release: 'r2', command: 'release', dryRun: false, batch: '3' });
    expect(new Set(events.slice(started).map((e) => e.runId)).size).toBe(1);
    expect(events.every((e) => ISO_AT.test(`${e.at} `))).toBe(true);
    expect(events.filter((e) => e.type === 'server-finished').map((e) => [e.server, e.outcome])).toEqual(ALL.map((s) => [s, 'released']));

    const report = await expectReport(env);
    expect(report.runId).toBe(events[started]?.runId);
  });

  it('plain log (CI=1): every event line is timestamped, no colour, then the summary; --report written', async () => {
    env = await startE2eLab({ servers: 6 });
    const { result, traffic } = await releaseUnderLoad(env, []);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expectReleased(env, traffic);

    expect(result.stdout).not.toMatch(/\u001b\[/);
    const [log = '', ...rest] = result.stdout.split('\n\n');
    const lines = log.split('\n');
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) expect(line).toMatch(ISO_AT);
    expect(lines[0]).toMatch(/ release r2 on lab started \(trigger ci, /);
    expect(lines.at(-1)).toMatch(/ finished: released \(exit 0\)$/);
    for (const s of ALL) expect(log).toMatch(new RegExp(`Z ${s} released v1 → r2 \\(`));
    // The summary table after the log: one row per server.
    const summary = rest.join('\n\n');
    for (const s of ALL) expect(summary).toMatch(new RegExp(`${s}\\s+released\\s+v1\\s+r2`));

    await expectReport(env);
  });

  it('--batch 0: exit 2 with a message naming --batch, and nothing changes', async () => {
    env = await startE2eLab({ servers: 6 });
    const good = await env.artifact('v2');
    const tables = saveListings(env);
    const dirs = await hashServerDirs(env);
    const load = env.startLoad();
    const result = await env.release(['--artifact', good, '--release-id', 'r2', '--batch', '0', '--report', 'report.json']);
    const traffic = await load.stop();

    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/--batch "0"/);
    expect(result.stderr).toMatch(/USAGE/);
    expect(result.stdout).toBe('');
    expect(Object.values(env.versions())).toEqual(Array(6).fill('v1'));
    for (const w of Object.values(env.weights())) expect(Object.values(w)).toEqual(Array(6).fill(100));
    expect(failuresOf(traffic)).toEqual({});
    expect(env.maxOut()).toBe(0);
    expect(saveListings(env)).toEqual(tables);
    expect(await hashServerDirs(env)).toEqual(dirs);
    await expect(readFile(join(env.dir, 'report.json'))).rejects.toThrow(/ENOENT/);
  });
});
