// Preflight: read every director's table and every server's current release, decide who is in
// the pool, and warn about the pitfalls of the chosen drain method. Reads only.
import type { Cluster, Pipeline, RealServer } from '../config/types.ts';
import { ReleaseError } from '../core/errors.ts';
import type { WarningCode } from '../core/warnings.ts';
import type { IpvsTable } from '../ipvs/model.ts';
import type { DirectorHandle } from '../lb/directors.ts';
import { buildPoolState, type PoolServer, type PoolState } from '../lb/pool.ts';
import type { DirectorTables, SavedSlot } from '../lb/types.ts';
import type { HostSession } from '../transport/types.ts';

export interface Preflight {
  tables: Map<string, IpvsTable>;
  pool: PoolState;
  /** What `current` points to on each server (null: no release yet, or unreadable). */
  releases: Map<string, string | null>;
  warnings: { code: WarningCode; message: string; server?: string; director?: string }[];
}

export function currentLinkPath(root: string | undefined): string {
  return `${root ?? '.'}/current`;
}

/** `readlink` of `root/current`, reduced to the release id (its last path element). */
export async function readCurrentRelease(session: HostSession, root: string | undefined, signal?: AbortSignal): Promise<string | null> {
  const result = await session.exec({ argv: ['readlink', '--', currentLinkPath(root)], mutates: false, timeoutMs: 15_000, label: 'read current release' }, { signal });
  // readlink exits 1, silently, when there is no such link: no release yet.
  const noLink = result.exitCode === 1 && result.stdout === '' && !result.timedOut && !result.aborted && !result.connectionLost;
  if (!result.ok && !noLink) {
    throw new ReleaseError('PREFLIGHT_FAILED', `Could not read the current release on ${session.target.name}: ${result.stderr.trim() || result.error || `exit ${result.exitCode}`}.`, {
      hint: 'Check app.root in the cluster file and that the SSH user can read it.',
    });
  }
  const target = result.stdout.trim().replace(/\/+$/, '');
  return target === '' ? null : (target.split('/').pop() ?? null);
}

/** The saved slots (what restore puts back) of one server, from the preflight tables. */
export function savedSlotsOf(pool: PoolState, server: string): SavedSlot[] {
  const entry = pool.servers.find((s) => s.server === server);
  return (entry?.slots ?? []).flatMap((slot) => (slot.dest ? [{ director: slot.director, service: slot.service, label: slot.label, dest: slot.dest }] : []));
}

/** Warnings an LVS operator would want before a drain (SPEC "Drain methods", LVS.md §4.2-4.3). */
export function drainWarnings(pool: PoolState, pipeline: Pipeline, keepalivedManaged: ReadonlySet<string>): Preflight['warnings'] {
  const warnings: Preflight['warnings'] = [];
  const seen = new Set<string>();
  const once = (key: string, w: Preflight['warnings'][number]) => {
    if (seen.has(key)) return;
    seen.add(key);
    warnings.push(w);
  };
  for (const server of pool.servers) {
    for (const slot of server.slots) {
      if (slot.persistent !== undefined) {
        once(`persist:${slot.label}`, {
          code: 'PERSISTENCE',
          message: `${slot.label} is persistent (${slot.persistent}s): returning clients keep reaching a weight-0 server until their template expires (expire_quiescent_template=0), so drains may take up to ${slot.persistent}s after a client's last connection`,
        });
      }
      if ((slot.scheduler === 'sh' || slot.scheduler === 'mh') && !slot.flags.some((f) => f.endsWith('-fallback'))) {
        once(`sh:${slot.label}`, {
          code: 'HASH_NO_FALLBACK',
          message: `${slot.label} uses ${slot.scheduler} without ${slot.scheduler}-fallback: clients hashed to a weight-0 server get no destination at all while it is drained`,
        });
      }
    }
  }
  if (pipeline.drain.method !== 'healthfile') {
    for (const director of keepalivedManaged) {
      once(`ka:${director}`, {
        code: 'KEEPALIVED_MANAGED',
        director,
        message: `director ${director} runs keepalived for these servers: a health-check flip (an app restart) can re-add or re-weight a server drained with ipvsadm; the healthfile method is the safe choice there`,
      });
    }
  }
  return warnings;
}

export function poolServerOf(server: RealServer): PoolServer {
  return {
    name: server.name,
    address: server.address,
    destinations: server.destinations.map((d) => ({ service: d.service, port: d.endpoint.port })),
  };
}

/** Reads tables and releases in parallel. */
export async function runPreflight(input: {
  cluster: Cluster;
  pipeline: Pipeline;
  directors: DirectorHandle[];
  tables: DirectorTables;
  servers: { name: string; session: HostSession; root: string | undefined }[];
  sudo: boolean;
  keepalivedManaged: ReadonlySet<string>;
  signal?: AbortSignal;
}): Promise<Preflight> {
  const signal = input.signal ?? new AbortController().signal;
  const [read, releases] = await Promise.all([
    input.tables.read(signal),
    Promise.all(input.servers.map(async (s) => [s.name, await readCurrentRelease(s.session, s.root, input.signal)] as const)),
  ]);
  if (!read.ok) {
    throw new ReleaseError('PREFLIGHT_FAILED', `${read.error}.`, { hint: 'Check that ipvsadm runs there for the SSH user (with ssh.sudo: true if it needs root). Nothing was changed.' });
  }
  const { tables } = read;
  const pool = buildPoolState({
    directors: input.directors.map((d) => d.name),
    services: input.cluster.services.map((s) => s.key),
    servers: input.cluster.realServers.map(poolServerOf),
    tables,
  });
  const warnings = [
    ...pool.warnings.map((message) => ({ code: 'DIRECTORS_DISAGREE' as const, message })),
    ...drainWarnings(pool, input.pipeline, input.keepalivedManaged),
  ];
  return { tables, pool, releases: new Map(releases), warnings };
}
