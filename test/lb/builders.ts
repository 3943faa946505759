// Test data for the load-balancer drivers: an LbContext, LbServers and saved slots over a fake cluster.
import { readAllTables } from '../../src/lb/directors.ts';
import { buildPoolState } from '../../src/lb/pool.ts';
import type { LbContext, LbServer, SavedSlot } from '../../src/lb/types.ts';
import { poolServerOf, savedSlotsOf } from '../../src/runner/preflight.ts';
import type { FakeCluster } from '../helpers/fake-cluster.ts';

/** An LbContext that reads the fake directors for real; timings small, overridable. */
export function anLbContext(fc: FakeCluster, overrides: Partial<LbContext> = {}): LbContext {
  const sudo = overrides.sudo ?? fc.cluster.directors.some((d) => d.ssh.sudo);
  return {
    directors: fc.directorHandles,
    services: fc.cluster.services.map((s) => s.key),
    sudo,
    commandTimeoutMs: 10_000,
    confirmTimeoutMs: 30_000,
    pollMs: 1000,
    connectionSource: 'director',
    emit: fc.emit,
    clock: fc.clock,
    signal: new AbortController().signal,
    readTables: (signal) => readAllTables(fc.directorHandles, { sudo, timeoutMs: 10_000, signal }),
    ...overrides,
  };
}

export function anLbServer(fc: FakeCluster, name: string): LbServer {
  const config = fc.cluster.realServers.find((s) => s.name === name);
  if (!config) throw new Error(`no server ${name}`);
  return { ...poolServerOf(config), session: fc.session(name), ...(config.app.healthFile ? { healthFile: config.app.healthFile } : {}) };
}

/** What the engine would save before draining `name`: its slots as the directors show them now. */
export async function savedSlots(fc: FakeCluster, name: string): Promise<SavedSlot[]> {
  const sudo = fc.cluster.directors.some((d) => d.ssh.sudo);
  const tables = await readAllTables(fc.directorHandles, { sudo, timeoutMs: 10_000 });
  const pool = buildPoolState({
    directors: fc.cluster.directors.map((d) => d.name),
    services: fc.cluster.services.map((s) => s.key),
    servers: fc.cluster.realServers.map(poolServerOf),
    tables,
  });
  return savedSlotsOf(pool, name);
}
