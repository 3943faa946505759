// Test data builders for plans.

import type { ServerPoolState } from '../../src/plan/types.ts';

/** `web1` … `webN`. */
export function someServers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `web${i + 1}`);
}

/** Every server in the pool, except `out` (name → reason). */
export function aPoolState(servers: readonly string[], out: Record<string, string> = {}): Record<string, ServerPoolState> {
  return Object.fromEntries(
    servers.map((name): [string, ServerPoolState] => {
      const reason = out[name];
      return [name, reason === undefined ? { inPool: true } : { inPool: false, reason }];
    }),
  );
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so property tests replay exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
