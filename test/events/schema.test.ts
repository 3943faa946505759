import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventProblem } from '../../src/events/schema.ts';
import { readJournalChecked } from '../../src/journal/journal.ts';
import { SAMPLES, aRolledBackRun, stamp } from '../ui/events.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function journalFile(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'lvs-journal-'));
  dirs.push(dir);
  const path = join(dir, 'c.journal.ndjson');
  writeFileSync(path, lines.join('\n'));
  return path;
}

describe('the event schema', () => {
  it('accepts one sample of every event type and a whole run', () => {
    for (const event of [...stamp(Object.values(SAMPLES)), ...aRolledBackRun()]) expect(eventProblem(event), event.type).toBeUndefined();
  });

  it('names the first missing or mistyped field', () => {
    const [finished] = stamp([SAMPLES['server-finished']]);
    expect(eventProblem({ ...finished, outcome: 'exploded' })).toMatch(/^outcome: /);
    const { server: _server, ...noServer } = finished as unknown as Record<string, unknown>;
    expect(eventProblem(noServer)).toMatch(/^server: /);
    expect(eventProblem({ ...finished, runId: undefined })).toMatch(/^runId: /);
    expect(eventProblem({ type: 'mystery', at: 'x', runId: 'y' })).toMatch(/^type: /);
    expect(eventProblem('just a string')).toBeDefined();
  });

  it('lets a later version add fields', () => {
    const [restored] = stamp([SAMPLES['server-restored']]);
    expect(eventProblem({ ...restored, rampedFrom: 10 })).toBeUndefined();
  });
});

describe('readJournalChecked', () => {
  it('keeps the events, skips a torn last line silently, and reports any other line that is not an event', () => {
    const run = aRolledBackRun().map((e) => JSON.stringify(e));
    const path = journalFile([run[0] as string, '{"type":"server-finished","at":"x"}', 'garbage', ...run.slice(1), '{"type":"run-fin']);
    const { events, invalid } = readJournalChecked(path);
    expect(events).toHaveLength(run.length);
    expect(invalid).toEqual([
      { line: 2, problem: expect.stringMatching(/^runId: /) },
      { line: 3, problem: 'not JSON' },
    ]);
  });

  it('reads a missing journal as empty', () => {
    expect(readJournalChecked(join(tmpdir(), 'lvs-no-such-journal.ndjson'))).toEqual({ events: [], invalid: [] });
  });
});
