import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseEvent } from '../../src/events/types.ts';
import type { JournalCopy } from '../../src/journal/director-copy.ts';
import { openJournalSink } from '../../src/journal/sink.ts';
import { createRedactor, MASK, redactDeep } from '../../src/ui/redact.ts';
import { aRolledBackRun } from '../ui/events.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function aPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lvs-sink-'));
  dirs.push(dir);
  return join(dir, 'sub', 'web-prod.journal.ndjson');
}

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ReleaseEvent);

describe('the journal sink', () => {
  it('writes each event, redacted, before record() returns', () => {
    const path = aPath();
    const redact = createRedactor(['hunter2']);
    const sink = openJournalSink({ path, redact: (e) => redactDeep(e, redact), writeCopy: async () => {} });
    const run = aRolledBackRun('hunter2');
    for (const [i, event] of run.entries()) {
      sink.record(event);
      // On disk at once: a crash right after record() loses nothing.
      expect(lines(path)).toHaveLength(i + 1);
    }
    sink.close();
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).toContain(MASK);
    expect(sink.events()).toHaveLength(run.length);
  });

  it("coalesces the directors' copy: the last write carries the final state, far fewer writes than events", async () => {
    const copies: JournalCopy[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const sink = openJournalSink({
      path: aPath(),
      redact: (e) => e,
      writeCopy: async (copy) => {
        copies.push(copy);
        await gate;
      },
    });
    const run = aRolledBackRun();
    for (const event of run) sink.record(event);
    release();
    await sink.flush();
    sink.close();
    // One write started at once; everything recorded while it was in flight is one more write.
    expect(copies).toHaveLength(2);
    expect(JSON.stringify(copies.at(-1))).toContain('"finished":true');
  });

  it('starts from the journal on disk and says which lines it skipped', () => {
    const path = aPath();
    const first = openJournalSink({ path, redact: (e) => e, writeCopy: async () => {} });
    for (const event of aRolledBackRun()) first.record(event);
    first.close();
    writeFileSync(path, `${readFileSync(path, 'utf8')}not json\n{"type":"paused"}\n`);
    const second = openJournalSink({ path, redact: (e) => e, writeCopy: async () => {} });
    second.close();
    expect(second.events()).toHaveLength(aRolledBackRun().length);
    // The last line is JSON, so not a torn write: it is reported too.
    expect(second.invalid.map((i) => i.line)).toEqual([aRolledBackRun().length + 1, aRolledBackRun().length + 2]);
  });
  it("writes the directors' copy at most once per interval while a run goes on, and the last state at once on flush", async () => {
    const writes: number[] = [];
    const sink = openJournalSink({ path: aPath(), redact: (e) => e, copyIntervalMs: 60_000, writeCopy: async () => void writes.push(Date.now()) });
    const run = aRolledBackRun();
    for (const event of run) {
      sink.record(event);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The first write went at once; the rest wait for the interval (a minute here)...
    expect(writes).toHaveLength(1);
    const started = Date.now();
    // ...except at the end: flush writes the final state without waiting it out.
    await sink.flush();
    sink.close();
    expect(writes).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
