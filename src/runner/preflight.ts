// Preflight: read every director's table and every server's current release, decide who is in
// the pool, and warn about the pitfalls of the chosen drain method. Reads only. The network and
// keepalived side (preflight-hosts.ts) adds the refusals: a DR/TUN server without the VIP on lo or
// with ARP not suppressed, the VIP on two directors or none, a NAT director not forwarding, a
// health-file drain keepalived would turn into a hard cut.
import { PIPELINE_DEFAULTS } from '../config/defaults.ts';
import type { Cluster, Pipeline, RealServer } from '../config/types.ts';
import { ReleaseError } from '../core/errors.ts';
import type { WarningCode } from '../core/warnings.ts';
import type { IpvsTable } from '../ipvs/model.ts';
import type { DirectorHandle } from '../lb/directors.ts';
import { buildPoolState, type PoolServer, type PoolState } from '../lb/pool.ts';
import type { DirectorTables, SavedSlot } from '../lb/types.ts';
import type { HostSession } from '../transport/types.ts';
import { judgeHosts, networkNeeds, readDirectorsHosts, readServersHosts, type PreflightNetwork, type Refusal } from './preflight-hosts.ts';

export type { PreflightNetwork, Refusal } from './preflight-hosts.ts';

export interface Preflight {
  tables: Map<string, IpvsTable>;
  pool: PoolState;
  /** What `current` points to on each server (null: no release yet, or unreadable). */
  releases: Map<string, string | null>;
  warnings: { code: WarningCode; message: string; server?: string; director?: string }[];
  /** Why the run must not start (a run refuses with exit 3, before anything is drained): each names the host (file, line), what is wrong and the fix. */
  refusals: Refusal[];
  /** The network as read: the real servers' checks, the VIP holders, the directors' sysctls, keepalived.conf. */
  network: PreflightNetwork;
}

export function currentLinkPath(root: string | undefined): string {
  return `${root ?? '.'}/current`;
}

/** `readlink` of `root/current`, reduced to the release id (its last path element). */
export async function readCurrentRelease(session: HostSession, root: string | undefined, signal?: AbortSignal): Promise<string | null> {
  const result = await session.exec(
    { argv: ['readlink', '--', currentLinkPath(root)], mutates: false, timeoutMs: 15_000, label: 'read current release' },
    { signal },
  );
  // readlink exits 1, silently, when there is no such link: no release yet.
  const noLink = result.exitCode === 1 && result.stdout === '' && !result.timedOut && !result.aborted && !result.connectionLost;
  if (!result.ok && !noLink) {
    throw new ReleaseError(
      'PREFLIGHT_FAILED',
      `Could not read the current release on ${session.target.name}: ${result.stderr.trim() || result.error || `exit ${result.exitCode}`}.`,
      {
        hint: 'Check app.root in the cluster file and that the SSH user can read it.',
      },
    );
  }
  const target = result.stdout.trim().replace(/\/+$/, '');
  return target === '' ? null : (target.split('/').pop() ?? null);
}

/** The saved slots (what restore puts back) of one server, from the preflight tables. */
export function savedSlotsOf(pool: PoolState, server: string): SavedSlot[] {
  const entry = pool.servers.find((s) => s.server === server);
  return (entry?.slots ?? []).flatMap((slot) => (slot.dest ? [{ director: slot.director, service: slot.service, label: slot.label, dest: slot.dest }] : []));
}

/** `lvs1 0, lvs2 1`, or `unknown` when no director's value was read. */
function expireQuiescentText(values: Readonly<Record<string, number>>): string {
  const entries = Object.entries(values);
  return entries.length === 0 ? 'not read' : entries.map(([d, v]) => `${v} on ${d}`).join(', ');
}

/** The persistence warning of one service, from the directors' expire_quiescent_template as read (LVS.md §4.3). */
export function persistenceWarning(
  label: string,
  timeout: number,
  expireQuiescent: Readonly<Record<string, number>>,
  waitForPersistence: boolean,
): string | undefined {
  const values = Object.values(expireQuiescent);
  if (values.length > 0 && values.every((v) => v !== 0)) return undefined;
  const wait = waitForPersistence
    ? `the drain also waits for their templates (drain.waitForPersistence), up to drain.timeout`
    : 'the wait shows their templates and does not wait for them (drain.waitForPersistence: true would)';
  return `${label} is persistent (${timeout}s) and net.ipv4.vs.expire_quiescent_template is ${expireQuiescentText(expireQuiescent)}: a returning client keeps reaching a quiesced server until ${timeout}s after its last connection (a busy client keeps its template alive for as long as it keeps coming); ${wait}; sysctl -w net.ipv4.vs.expire_quiescent_template=1 on every director reschedules them at once`;
}

/** Warnings an LVS operator would want before a drain (SPEC "Drain methods", LVS.md §4.2-4.3). */
export function drainWarnings(
  pool: PoolState,
  pipeline: Pipeline,
  keepalivedManaged: ReadonlySet<string>,
  expireQuiescent: Readonly<Record<string, number>> = {},
): Preflight['warnings'] {
  const warnings: Preflight['warnings'] = [];
  const seen = new Set<string>();
  const once = (key: string, w: Preflight['warnings'][number]) => {
    if (seen.has(key)) return;
    seen.add(key);
    warnings.push(w);
  };
  for (const server of pool.servers) {
    for (const slot of server.slots) {
      const persistence =
        slot.persistent === undefined
          ? undefined
          : persistenceWarning(slot.label, slot.persistent, expireQuiescent, pipeline.drain.waitForPersistence ?? PIPELINE_DEFAULTS.drain.waitForPersistence);
      if (persistence) once(`persist:${slot.label}`, { code: 'PERSISTENCE', message: persistence });
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

/** Reads tables, releases, the directors' network and keepalived.conf in parallel; then the DR/TUN servers' network. */
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
  const [read, releases, directorsHosts] = await Promise.all([
    input.tables.read(signal),
    Promise.all(input.servers.map(async (s) => [s.name, await readCurrentRelease(s.session, s.root, input.signal)] as const)),
    readDirectorsHosts(input.cluster, input.directors, input.signal),
  ]);
  if (!read.ok) {
    throw new ReleaseError('PREFLIGHT_FAILED', `${read.error}.`, {
      hint: 'Check that ipvsadm runs there for the SSH user (with ssh.sudo: true if it needs root). Nothing was changed.',
    });
  }
  const { tables } = read;
  const pool = buildPoolState({
    directors: input.directors.map((d) => d.name),
    services: input.cluster.services.map((s) => s.key),
    servers: input.cluster.realServers.map(poolServerOf),
    tables,
  });
  const needs = networkNeeds({ services: input.cluster.services.map((s) => s.key), servers: input.cluster.realServers, tables });
  const sessions = new Map(input.servers.map((s) => [s.name, s.session]));
  const serverFacts = await readServersHosts(needs, (name) => sessions.get(name), input.signal);
  const hosts = judgeHosts({ cluster: input.cluster, pipeline: input.pipeline, tables, needs, serverFacts, directors: directorsHosts });
  // keepalived.conf read: its own findings say which servers it manages; else the configured names warn.
  const unread = new Set([...input.keepalivedManaged].filter((d) => !hosts.network.keepalived.some((k) => k.director === d && k.kind === 'read')));
  const warnings = [
    ...pool.warnings.map((message) => ({ code: 'DIRECTORS_DISAGREE' as const, message })),
    ...drainWarnings(pool, input.pipeline, unread, hosts.network.expireQuiescent),
    ...hosts.warnings,
  ];
  return { tables, pool, releases: new Map(releases), warnings, refusals: hosts.refusals, network: hosts.network };
}
