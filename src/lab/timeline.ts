// The lab's record of how many servers were out of the pool on each director at every change:
// the invariant checks of the end-to-end tests read this (SPEC invariant 1).
import type { IpvsTable, ServiceKey } from '../ipvs/model.ts';
import { buildPoolState, type PoolServer } from '../lb/pool.ts';

export interface TimelinePoint {
  /** Milliseconds since the epoch. */
  at: number;
  director: string;
  /** Servers not present with weight > 0 in every service on this director. */
  out: number;
  outServers: string[];
  /** What changed, e.g. `-e -t 127.0.0.1:8080 -r 127.0.0.1:41234 -m -w 0`. */
  cause: string;
}

/** Servers out of the pool on one director's table. */
export function outOfPool(table: IpvsTable, director: string, services: readonly ServiceKey[], servers: readonly PoolServer[]): string[] {
  const pool = buildPoolState({ directors: [director], services: [...services], servers: [...servers], tables: new Map([[director, table]]) });
  return pool.servers.filter((s) => !s.inPool).map((s) => s.server);
}

export interface Timeline {
  record(director: string, table: IpvsTable, cause: string, at: number): void;
  points(): TimelinePoint[];
  /** The most servers out at once on any director. */
  maxOut(): number;
}

export function createTimeline(services: readonly ServiceKey[], servers: readonly PoolServer[]): Timeline {
  const points: TimelinePoint[] = [];
  return {
    record(director, table, cause, at) {
      const outServers = outOfPool(table, director, services, servers);
      points.push({ at, director, out: outServers.length, outServers, cause });
    },
    points: () => [...points],
    maxOut: () => points.reduce((max, p) => Math.max(max, p.out), 0),
  };
}
