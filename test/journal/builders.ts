// Journal sequences from real runs on the fake cluster: a release killed while its first batch
// is quiesced, a run refused at its preflight, and the cluster as the crash left it.
import type { ReleaseEvent } from '../../src/events/types.ts';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import { runRelease } from '../../src/runner/run.ts';
import { createFakeCluster, type FakeCluster } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { aPipeline } from '../runner/builders.ts';

export const FOUR = [
  { name: 'web1', address: '10.0.1.11', connections: [1, 0] },
  { name: 'web2', address: '10.0.1.12' },
  { name: 'web3', address: '10.0.1.13' },
  { name: 'web4', address: '10.0.1.14' },
];

export function fourServers(start?: string): FakeCluster {
  return createFakeCluster({ clock: fakeClock(start), servers: FOUR });
}

/** Runs a release on a fresh fake cluster and returns every event it emitted (also when it throws). */
export async function releaseEvents(
  fc: FakeCluster,
  release: string,
  batch = '2',
  journal: readonly ReleaseEvent[] = [],
): Promise<{ events: ReleaseEvent[]; error?: unknown }> {
  const events: ReleaseEvent[] = [];
  try {
    await runRelease(
      { cluster: fc.cluster, pipeline: aPipeline(), batch: parseBatchSpec(batch), release, trigger: 'ci' },
      {
        openSessions: async () => fc.sessions,
        emit: (e) => void events.push(e),
        clock: fc.clock,
        stop: new AbortController().signal,
        confirmCanary: async () => true,
        journalEvents: () => journal,
      },
    );
    return { events };
  } catch (error) {
    return { events, error };
  }
}

/** Release r2 (--batch 2 on 4 servers, all on r1) as a kill -9 leaves it: web1 and web2 quiesced on both directors, waiting for their connections. */
export async function crashedRunEvents(): Promise<ReleaseEvent[]> {
  const { events } = await releaseEvents(fourServers(), 'r2');
  const cut = events.findIndex((e) => e.type === 'director-action' && e.action === 'delete');
  const before = events.slice(0, cut);
  const quiesced = before.filter((e) => e.type === 'director-action' && e.action === 'quiesce' && e.stage === 'done');
  if (quiesced.length !== 4) throw new Error(`expected 4 quiesces before the first delete, got ${quiesced.length}`);
  return before;
}

/** The fake cluster as that crash left it: web1 and web2 at weight 0 on both directors, every server on r1. */
export function clusterAfterCrash(start?: string): FakeCluster {
  const fc = fourServers(start);
  for (const director of ['lvs1', 'lvs2']) {
    for (const address of ['10.0.1.11', '10.0.1.12']) fc.ipvsadm(director, ['-e', '-t', '10.0.0.100:80', '-r', `${address}:80`, '-m', '-w', '0']);
  }
  return fc;
}

/** A release of r3 started after the crash by something that did not know of it: refused at its plan (2 out, batch 2). */
export async function refusedRunEvents(): Promise<ReleaseEvent[]> {
  const { events, error } = await releaseEvents(clusterAfterCrash('2026-11-25T03:00:00Z'), 'r3');
  if (!error) throw new Error('the release of r3 should have been refused');
  return events;
}
