// Test data for the load-balancer drivers: an LbContext, LbServers and saved slots over a fake cluster.
import { createConnectionCounter } from '../../src/lb/connections.ts';
import { createDirectorTables } from '../../src/lb/director-tables.ts';
import { buildPoolState } from '../../src/lb/pool.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { LbContext, LbServer, SavedSlot } from '../../src/lb/types.ts';
import { poolServerOf, savedSlotsOf } from '../../src/runner/preflight.ts';
import type { FakeCluster } from '../helpers/fake-cluster.ts';

export interface LbContextOptions {
  sudo?: boolean;
  connectionSource?: 'director' | 'server';
  /** Between two confirming reads. */
  pollMs?: number;
  confirmTimeoutMs?: number;
  ramp?: LbContext['ramp'];
  signal?: AbortSignal;
  clock?: Clock;
  /** Pacing of the shared reads (0: none). */
  minReadIntervalMs?: number;
}

/** An LbContext that reads the fake directors for real through the real ports; timings small, overridable. */
export function anLbContext(fc: FakeCluster, options: LbContextOptions = {}): LbContext {
  const sudo = options.sudo ?? fc.cluster.directors.some((d) => d.ssh.sudo);
  const clock = options.clock ?? fc.clock;
  const tables = createDirectorTables({
    directors: fc.directorHandles,
    sudo,
    commandTimeoutMs: 10_000,
    persistentConn: () => false,
    minReadIntervalMs: options.minReadIntervalMs ?? 0,
    confirmPollMs: options.pollMs ?? 1000,
    clock,
  });
  return {
    tables,
    connections: createConnectionCounter({ source: options.connectionSource ?? 'director', tables, commandTimeoutMs: 10_000 }),
    commandTimeoutMs: 10_000,
    confirmTimeoutMs: options.confirmTimeoutMs ?? 30_000,
    ramp: options.ramp,
    emit: fc.emit,
    clock,
    signal: options.signal ?? new AbortController().signal,
  };
}

export function anLbServer(fc: FakeCluster, name: string): LbServer {
  const config = fc.cluster.realServers.find((s) => s.name === name);
  if (!config) throw new Error(`no server ${name}`);
  return { ...poolServerOf(config), session: fc.session(name), healthFile: config.app.healthFile };
}

/** What the engine would save before draining `name`: its slots as the directors show them now. */
export async function savedSlots(fc: FakeCluster, name: string): Promise<SavedSlot[]> {
  const sudo = fc.cluster.directors.some((d) => d.ssh.sudo);
  const read = await createDirectorTables({
    directors: fc.directorHandles,
    sudo,
    commandTimeoutMs: 10_000,
    persistentConn: () => false,
    minReadIntervalMs: 0,
    confirmPollMs: 1000,
    clock: fc.clock,
  }).read(new AbortController().signal);
  if (!read.ok) throw new Error(read.error);
  const { tables } = read;
  const pool = buildPoolState({
    directors: fc.cluster.directors.map((d) => d.name),
    services: fc.cluster.services.map((s) => s.key),
    servers: fc.cluster.realServers.map(poolServerOf),
    tables,
  });
  return savedSlotsOf(pool, name);
}
