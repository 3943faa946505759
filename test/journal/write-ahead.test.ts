import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseEvent } from '../../src/events/types.ts';
import { openJournal } from '../../src/journal/journal.ts';
import { writeAheadSession } from '../../src/journal/write-ahead.ts';
import { createFakeSession } from '../helpers/fake-transport.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function aPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lvs-wal-'));
  dirs.push(dir);
  return join(dir, 'web-prod.journal.ndjson');
}

const anEvent = (i: number): ReleaseEvent =>
  ({ type: 'warning', code: 'CLEANUP_FAILED', message: `event ${i}`, at: new Date(0).toISOString(), runId: 'r1' }) as ReleaseEvent;

/** An fsync the test completes by hand: what a slow disk looks like. */
function manualFsync() {
  const pending: ((error: Error | null) => void)[] = [];
  return {
    fsync: (_fd: number, done: (error: Error | null) => void) => void pending.push(done),
    pending,
    complete(error: Error | null = null) {
      const done = pending.shift();
      if (!done) throw new Error('no fsync in flight');
      done(error);
    },
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const settled = async <T>(promise: Promise<T>) => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  // Every microtask runs before the next macrotask: the callbacks above have run by then.
  await nextTurn();
  return state;
};

describe('the journal writer (group commit)', () => {
  it('writes each line at once: a kill -9 right after append() loses nothing', () => {
    const disk = manualFsync();
    const path = aPath();
    const journal = openJournal(path, { fsync: disk.fsync });
    journal.append(anEvent(1));
    journal.append(anEvent(2));
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(disk.pending).toHaveLength(0); // no fsync until someone needs the lines durable
    journal.close();
  });

  it('syncs the lines of many waiters with one fsync, and lines written during it with the next', async () => {
    const disk = manualFsync();
    const journal = openJournal(aPath(), { fsync: disk.fsync });
    const first = Array.from({ length: 50 }, (_, i) => {
      journal.append(anEvent(i));
      return journal.durable();
    });
    // The fsync starts on the next turn: every line written in this one rides on it.
    expect(disk.pending).toHaveLength(0);
    await nextTurn();
    expect(disk.pending).toHaveLength(1);
    journal.append(anEvent(50));
    const late = journal.durable();
    await nextTurn();
    expect(disk.pending).toHaveLength(1); // one fsync at a time
    disk.complete();
    expect(await settled(Promise.all(first))).toBe('resolved');
    // The 51st line was written after that fsync started: it needs the next one.
    expect(await settled(late)).toBe('pending');
    await nextTurn();
    expect(disk.pending).toHaveLength(1);
    disk.complete();
    expect(await settled(late)).toBe('resolved');
    // Nothing new: durable at once, no fsync.
    await journal.durable();
    expect(disk.pending).toHaveLength(0);
    journal.close();
  });

  it('rejects, naming the journal, when the disk refuses the sync', async () => {
    const disk = manualFsync();
    const path = aPath();
    const journal = openJournal(path, { fsync: disk.fsync });
    journal.append(anEvent(1));
    const waiting = journal.durable();
    await nextTurn();
    disk.complete(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    await expect(waiting).rejects.toThrow(`could not sync the journal ${path}: EIO: i/o error`);
    journal.append(anEvent(2));
    await expect(journal.durable()).rejects.toThrow('EIO');
  });

  it('syncs for real with the default fsync', async () => {
    const path = aPath();
    const journal = openJournal(path);
    journal.append(anEvent(1));
    await journal.durable();
    journal.close();
    expect(readFileSync(path, 'utf8')).toContain('event 1');
  });
});

describe('a write-ahead session', () => {
  const gate = () => {
    let open!: () => void;
    let fail!: (error: Error) => void;
    const promise = new Promise<void>((resolve, reject) => {
      open = resolve;
      fail = reject;
    });
    return { durable: () => promise, open, fail };
  };

  it('holds a change to the host until the journal is on the disk; reads go at once', async () => {
    const inner = createFakeSession({ fallback: { stdout: 'ok' } });
    const journal = gate();
    const session = writeAheadSession(inner, journal.durable, () => undefined);
    const read = await session.exec({ argv: ['ipvsadm', '-L', '-n'], mutates: false });
    expect(read.ok).toBe(true);
    const change = session.exec({ argv: ['ipvsadm', '-e', '-t', '10.0.0.1:80', '-r', '10.0.1.11:80', '-w', '0'], mutates: true });
    const upload = session.upload({ localPath: '/tmp/a.tar.gz', remotePath: '/srv/app/releases/r2.tar.gz' });
    expect(await settled(change)).toBe('pending');
    expect(inner.commandLines()).toEqual(['ipvsadm -L -n']);
    journal.open();
    expect((await change).ok).toBe(true);
    expect((await upload).ok).toBe(true);
    expect(inner.calls.map((c) => c.kind)).toEqual(['exec', 'exec', 'upload']);
  });

  it('says so and goes on when the journal cannot be synced (a refused restore would leave servers out)', async () => {
    const inner = createFakeSession({ fallback: { stdout: 'ok' } });
    const journal = gate();
    const said: unknown[] = [];
    const session = writeAheadSession(inner, journal.durable, (error) => said.push(error));
    journal.fail(new Error('could not sync the journal /var/lib/x.ndjson: EIO'));
    const change = await session.exec({ argv: ['ipvsadm', '-a', '-t', '10.0.0.1:80', '-r', '10.0.1.11:80', '-w', '100'], mutates: true });
    expect(change.ok).toBe(true);
    const upload = await session.upload({ localPath: '/tmp/a.tar.gz', remotePath: '/srv/r2.tar.gz' });
    expect(upload.ok).toBe(true);
    expect(inner.calls.map((c) => c.kind)).toEqual(['exec', 'upload']);
    expect(said).toEqual([expect.objectContaining({ message: 'could not sync the journal /var/lib/x.ndjson: EIO' }), expect.anything()]);
  });
});
