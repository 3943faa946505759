// Issue 12 items 4 and 5 on the lab: each command's --json output is valid JSON with the top-level
// fields docs/OUTPUT.md lists; a refusal with --json is an `error` event on stdout; a plan inside
// a peak window runs (exit 0), changes nothing, and says a real run would be refused and until when.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sectionFields } from '../cli/output-doc.ts';
import { startE2eLab, windowAround, writeClusterVariant, type CliRun, type E2eLab } from './harness.ts';

let e: E2eLab;
let peak: string;
let artifact: string;
const window = windowAround(new Date(), 'lunch-peak');

beforeAll(async () => {
  e = await startE2eLab({ servers: 3, timeScale: 0.01 });
  peak = await writeClusterVariant(e, 'peak.yaml', { peakWindows: { timezone: 'UTC', windows: [window.window] } });
  artifact = await e.artifact('v2');
});
afterAll(async () => {
  await e?.close();
});

/** One JSON document on stdout, with exactly the top-level keys docs/OUTPUT.md lists for it, schemaVersion 1 and the command. */
function document(result: CliRun, command: string): Record<string, unknown> {
  const lines = result.stdout.trimEnd().split('\n');
  expect(lines, result.stdout + result.stderr).toHaveLength(1);
  const doc = JSON.parse(lines[0] as string) as Record<string, unknown>;
  expect(Object.keys(doc).sort()).toEqual(['command', 'schemaVersion', ...sectionFields(`\`release ${command} --json\``)].sort());
  expect(doc).toMatchObject({ schemaVersion: 1, command });
  return doc;
}

/** NDJSON: every line one JSON object with schemaVersion 1 and a type. */
function ndjson(result: CliRun): Record<string, unknown>[] {
  const lines = result.stdout.trimEnd().split('\n');
  return lines.map((line) => {
    const event = JSON.parse(line) as Record<string, unknown>;
    expect(event).toMatchObject({ schemaVersion: 1, type: expect.any(String) });
    return event;
  });
}

describe('--json on the lab', () => {
  it('status, doctor and history: one document each with the documented fields', async () => {
    const status = await e.cli(['status', '-c', e.config, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const s = document(status, 'status');
    expect((s.servers as { name: string; inPool: boolean; release: string }[]).map((x) => [x.name, x.inPool, x.release])).toEqual([
      ['web1', true, 'v1'],
      ['web2', true, 'v1'],
      ['web3', true, 'v1'],
    ]);

    const doctor = await e.cli(['doctor', '-c', e.config, '--json']);
    const d = document(doctor, 'doctor');
    expect(doctor.code).toBe(d.ok ? 0 : 3);

    const history = await e.cli(['history', '-c', e.config, '--json']);
    expect(history.code, history.stderr).toBe(0);
    const h = document(history, 'history');
    expect(h.servers).toEqual([
      { name: 'web1', current: 'v1', releases: ['v1'], error: null },
      { name: 'web2', current: 'v1', releases: ['v1'], error: null },
      { name: 'web3', current: 'v1', releases: ['v1'], error: null },
    ]);
    expect(h.runs).toEqual([]);

    const validate = await e.cli(['validate', '-c', e.config, '--json']);
    document(validate, 'validate');
  });

  it('windows --json inside the window: the document, exit 3', async () => {
    const result = await e.cli(['windows', '-c', peak, '--json']);
    expect(result.code, result.stderr).toBe(3);
    const doc = document(result, 'windows');
    expect(doc).toMatchObject({ allowed: false, timezone: 'UTC', blockers: [{ kind: 'window', name: 'lunch-peak' }], refusal: { code: 'PEAK_WINDOW' } });
    expect(doc.nextAllowed).toMatch(new RegExp(`T${window.to}:00Z$`));
  });

  it('release --json refused by a peak window: the error event is the only line on stdout (exit 3)', async () => {
    const result = await e.cli(['-c', peak, '--artifact', artifact, '--release-id', 'r2', '--json']);
    expect(result.code, result.stderr).toBe(3);
    const [event, ...rest] = ndjson(result);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ type: 'error', code: 'PEAK_WINDOW', exitCode: 3, hint: expect.stringMatching(/Next allowed start/) });
    expect(event?.message).toMatch(/lunch-peak/);
    expect(event?.details).toMatchObject({ nextAllowed: expect.stringMatching(new RegExp(`T${window.to}:00Z$`)) });
    expect(result.stderr).toMatch(/✖ PEAK_WINDOW/);
  });

  it('plan --json inside the window: runs, exit 0, warns that a real run would be refused, changes nothing', async () => {
    const result = await e.cli(['plan', '-c', peak, '--artifact', artifact, '--release-id', 'r2', '--batch', '2', '--json']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const events = ndjson(result);
    const types = events.map((x) => x.type);
    const started = types.indexOf('run-started');
    expect(events[started]).toMatchObject({ dryRun: true });
    expect(events[started + 1]).toMatchObject({ type: 'warning', code: 'WINDOW_WOULD_REFUSE', details: { blockers: [{ name: 'lunch-peak' }] } });
    expect(events[started + 1]?.details).toMatchObject({ nextAllowed: expect.stringMatching(new RegExp(`T${window.to}:00Z$`)) });
    expect(events.find((x) => x.type === 'plan')).toMatchObject({ plan: { total: 3, batches: [{ servers: ['web1', 'web2'] }, { servers: ['web3'] }] } });
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'dry-run', exitCode: 0 });
    expect(types).not.toContain('error');
    expect(Object.values(e.versions())).toEqual(['v1', 'v1', 'v1']);
    expect(e.maxOut()).toBe(0);
  });

  it('plan inside the window, for a person: the plan, then when a real run may start', async () => {
    const result = await e.cli(['plan', '-c', peak, '--artifact', artifact, '--release-id', 'r2', '--limit', 'web2']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr.split('\n')[0]).toMatch(/^cluster file: \S*peak\.yaml \(-c\)$/);
    expect(result.stdout).toMatch(/plan: 1 of 3 real servers in 1 batch/);
    expect(result.stdout).toMatch(/limit: web2; not released \(in the pool, outside --limit\): web1, web3/);
    expect(result.stdout).toMatch(/window: a real run would be refused now \(PEAK_WINDOW\): Inside peak window "lunch-peak"/);
    expect(result.stdout).toMatch(new RegExp(`window: it may start at \\S+T${window.to}:00Z`));
    expect(result.stdout).toMatch(/\[dry run\] nothing was changed/);
    expect(Object.values(e.versions())).toEqual(['v1', 'v1', 'v1']);
  });
});
