// Canary across CI jobs (issue 12, item 1), on the fake cluster: a canary paused by one machine
// (its journal) is continued by another that has only the essentials copy the directors keep.
// The copy carries everything promote/abort/resume need, an older copy still loads, and the
// continuing machine's journal adopts the copy, so its own copy stays whole.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventInput, ReleaseEvent } from '../../src/events/types.ts';
import { continuationOf, describePause, isSamePause } from '../../src/journal/continuation.ts';
import { fromCopy, pickJournal, toCopy, type JournalCopy } from '../../src/journal/director-copy.ts';
import { replay, type SerializedState } from '../../src/journal/replay.ts';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import { runRelease, type ReleaseRequest, type RunDeps } from '../../src/runner/run.ts';
import { aPipeline } from '../runner/builders.ts';
import { fourServers } from './builders.ts';
import type { FakeCluster } from '../helpers/fake-cluster.ts';

const BUILD = 'the bytes of build 42\n';

function anArtifact(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lvs-artifact-')), 'app.tar.gz');
  writeFileSync(path, BUILD);
  return path;
}

/** One machine's run on the fake cluster: its own events only (its journal starts empty). */
async function runOn(fc: FakeCluster, request: Partial<ReleaseRequest>, deps: Partial<RunDeps> = {}): Promise<ReleaseEvent[]> {
  const events: ReleaseEvent[] = [];
  await runRelease(
    { cluster: fc.cluster, pipeline: aPipeline(), batch: parseBatchSpec('2'), release: 'r2', trigger: 'ci', ...request },
    {
      openSessions: async () => fc.sessions,
      emit: (e) => {
        events.push(e);
        fc.emit(e);
      },
      clock: fc.clock,
      stop: new AbortController().signal,
      confirmCanary: async () => false,
      journalEvents: () => [],
      ...deps,
    },
  );
  return events;
}

/** What a director's copy holds after `events`, as read back (JSON and all). */
function copyAfter(events: readonly ReleaseEvent[]): JournalCopy {
  return JSON.parse(JSON.stringify(toCopy(replay(events)))) as JournalCopy;
}

const CI = { ciJob: '4242', ciJobUrl: 'https://gitlab.example/ops/web/-/jobs/4242' };

describe("a canary paused on one machine, continued from the directors' copy on another", () => {
  it('the copy carries the paused run, its plan, the releases before, the released servers, the artifact digest and the CI job', async () => {
    const fc = fourServers();
    const artifact = anArtifact();
    const canary = await runOn(fc, { canary: 1, artifact }, CI);
    const started = canary.find((e): e is Extract<ReleaseEvent, { type: 'run-started' }> => e.type === 'run-started');
    expect(started).toMatchObject({ artifact, artifactSha256: createHash('sha256').update(BUILD).digest('hex'), artifactSize: BUILD.length, ...CI });
    expect(canary.find((e) => e.type === 'paused')).toMatchObject({ reason: 'canary', nextBatch: 1, ...CI });
    expect(canary.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'paused', exitCode: 0 });

    const continuation = continuationOf(fromCopy(copyAfter(canary)), ['canary']);
    expect(continuation).toMatchObject({
      runId: started?.runId,
      release: 'r2',
      paused: { reason: 'canary', nextBatch: 1, runId: started?.runId, resumeWith: 'release promote | release abort', ...CI },
      released: ['web1'],
      batch: '2',
      trigger: 'ci',
      artifact: { path: artifact, sha256: started?.artifactSha256, size: BUILD.length },
    });
    expect(continuation?.plan?.batches.map((b) => b.servers)).toEqual([['web1'], ['web2', 'web3'], ['web4']]);
    expect([...(continuation?.releasesBefore ?? [])]).toEqual([
      ['web1', 'r1'],
      ['web2', 'r1'],
      ['web3', 'r1'],
      ['web4', 'r1'],
    ]);
    expect(describePause(continuation?.paused ?? { reason: '?', nextBatch: 0 })).toMatch(
      /^paused \(canary\) at \S+Z by CI job 4242 \(https:\/\/gitlab\.example\/ops\/web\/-\/jobs\/4242\)$/,
    );
    // Nothing else to continue: not for resume, and not once the run is not paused.
    expect(continuationOf(fromCopy(copyAfter(canary)), ['window', 'interrupt'])).toBeUndefined();
  });

  it('promote on the other machine adopts the copy: its journal (and so the copy it writes) keeps what each server ran before the canary', async () => {
    const fc = fourServers();
    const artifact = anArtifact();
    const canary = await runOn(fc, { canary: 1, artifact }, CI);
    const copy = copyAfter(canary);
    const continuation = continuationOf(fromCopy(copy), ['canary']);
    if (!continuation?.plan) throw new Error('no continuation');
    const resume = {
      command: 'promote' as const,
      continues: continuation.runId,
      plan: continuation.plan,
      fromBatch: continuation.paused.nextBatch,
      releasesBefore: continuation.releasesBefore,
      released: continuation.released,
    };
    const promote = await runOn(fc, { artifact, resume: { ...resume, adopted: { from: 'lvs1', state: copy.state } } }, { ciJob: '4243' });
    expect(promote.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'released', exitCode: 0 });
    expect(fc.outOfPool()).toEqual([]);

    const b = replay(promote);
    expect(b).toMatchObject({ release: 'r2', command: 'promote', finished: true, outcome: 'released', paused: null });
    // The canary's server ran r1 before this release, not r2 (what the promote's own preflight saw).
    expect([...b.servers.values()].map((s) => [s.server, s.releaseBefore, s.current, s.released])).toEqual([
      ['web1', 'r1', 'r2', true],
      ['web2', 'r1', 'r2', true],
      ['web3', 'r1', 'r2', true],
      ['web4', 'r1', 'r2', true],
    ]);
    expect(b.firstRun).toMatchObject({ command: 'release', runId: continuation.runId, artifactSha256: continuation.artifact?.sha256 });
    expect(continuationOf(b, ['canary'])).toBeUndefined();
    expect(isSamePause(b, continuation)).toBe(false);
    expect(isSamePause(fromCopy(copy), continuation)).toBe(true);
    // Without the adoption the other machine would know only its own run: web1 "before" = r2.
    const forgetful = replay(promote.map((e) => (e.type === 'run-started' ? { ...e, adopted: undefined } : e)));
    expect(forgetful.servers.get('web1')?.releaseBefore).toBe('r2');
    // The first machine, later: its journal is older than the copy the promote wrote.
    const first = replay(canary);
    expect(pickJournal(first, [{ director: 'lvs1', state: fromCopy(copyAfter(promote)) }]).from).toBe('lvs1');
  });

  it('a copy written before these fields existed still loads and continues (no digest to check, no CI job to show)', async () => {
    const fc = fourServers();
    const canary = await runOn(fc, { canary: 1, artifact: anArtifact() }, CI);
    const copy = copyAfter(canary);
    const old = JSON.parse(JSON.stringify(copy)) as {
      version: 1;
      state: Record<string, unknown> & { firstRun: Record<string, unknown>; paused: Record<string, unknown> };
    };
    for (const key of ['artifactSha256', 'artifactSize', 'ciJob', 'ciJobUrl']) delete old.state.firstRun[key];
    old.state.paused = { reason: 'canary', nextBatch: 1 };
    delete old.state.updatedAt;
    const continuation = continuationOf(fromCopy(old as unknown as JournalCopy), ['canary']);
    expect(continuation).toMatchObject({ release: 'r2', paused: { reason: 'canary', nextBatch: 1 }, released: ['web1'] });
    expect(continuation?.artifact?.sha256).toBeUndefined();
    expect(describePause(continuation?.paused ?? { reason: '?', nextBatch: 0 })).toBe('paused (canary)');
  });
});

let clock = Date.parse('2026-11-25T04:00:00Z');
const ev = (runId: string, event: EventInput): ReleaseEvent => {
  clock += 1000;
  return { ...event, at: new Date(clock).toISOString(), runId } as ReleaseEvent;
};
const started = (runId: string, release: string, command: 'release' | 'rollback' | 'promote', extra: Record<string, unknown> = {}) =>
  ev(runId, { type: 'run-started', cluster: 'test', release, command, trigger: 'ci', user: 'u', host: 'h', pid: 1, ...extra } as EventInput);

describe('replay of a pause', () => {
  it('takes the CI job from the run that paused when the paused event (an older version) does not name it', () => {
    const state = replay([
      started('c1', 'r2', 'release', { ciJob: '99', ciJobUrl: 'https://jenkins.example/job/web/99/' }),
      ev('c1', { type: 'paused', reason: 'canary', nextBatch: 1, resumeWith: 'release promote | release abort' }),
      ev('c1', { type: 'run-finished', outcome: 'paused', exitCode: 0 }),
    ]);
    expect(state.paused).toMatchObject({ reason: 'canary', ciJob: '99', ciJobUrl: 'https://jenkins.example/job/web/99/', runId: 'c1' });
  });

  it('a rollback --to that adopted a copy does not carry that copy inside its first run (copies would nest, machine after machine)', () => {
    const before = replay([started('c1', 'r2', 'release'), ev('c1', { type: 'run-finished', outcome: 'released', exitCode: 0 })]);
    const adopted = JSON.parse(JSON.stringify(toCopy(before).state)) as SerializedState;
    const state = replay([started('rb', 'rollback-to-r1', 'rollback', { adopted: { from: 'lvs2', state: adopted } })]);
    expect(state.firstRun).toMatchObject({ runId: 'rb', command: 'rollback' });
    expect(state.firstRun && 'adopted' in state.firstRun).toBe(false);
    expect(JSON.stringify(toCopy(state))).not.toContain('"adopted"');
  });
});
