// SPEC invariant 1 as a property: for many random clusters and specs, no step exceeds its budget.

import { describe, expect, it } from 'vitest';
import { isReleaseError } from '../../src/core/errors.ts';
import { batchSizeAt, parseBatchSpec, resolveBatchSize } from '../../src/plan/batch-spec.ts';
import { buildPlan } from '../../src/plan/build-plan.ts';
import type { Plan } from '../../src/plan/types.ts';
import { aPoolState, seededRandom, someServers } from './builders.ts';

function randomSpec(random: () => number): string {
  const length = 1 + Math.floor(random() * 3);
  return Array.from({ length }, () => (random() < 0.5 ? String(1 + Math.floor(random() * 6)) : `${1 + Math.floor(random() * 100)}%`)).join(',');
}

describe('buildPlan invariant: never more than the batch size out of the pool', () => {
  it('holds for 1000 random clusters, pool states, specs and canaries', () => {
    const random = seededRandom(20261125);
    let planned = 0;
    let blocked = 0;
    for (let run = 0; run < 1000; run++) {
      const servers = someServers(1 + Math.floor(random() * 40));
      const out = Object.fromEntries(servers.filter(() => random() < 0.1).map((name) => [name, 'weight 0']));
      const spec = parseBatchSpec(randomSpec(random));
      const canary = random() < 0.3 ? 1 + Math.floor(random() * 3) : undefined;
      let plan: Plan;
      try {
        plan = buildPlan({ servers, state: aPoolState(servers, out), batch: spec, ...(canary === undefined ? {} : { canary }) });
      } catch (error) {
        // Only a canary larger than the first batch may be refused.
        expect(isReleaseError(error) && error.code === 'USAGE').toBe(true);
        expect(canary).toBeGreaterThan(resolveBatchSize(batchSizeAt(spec, 0), servers.length));
        continue;
      }
      const alreadyOut = Object.keys(out).length;
      expect(plan.alreadyOut).toBe(alreadyOut);
      if (plan.blocked !== null) {
        blocked++;
        expect(plan.batches).toEqual([]);
        continue;
      }
      planned++;
      const offset = canary === undefined ? 0 : 1;
      for (const batch of plan.batches) {
        expect(batch.servers.length).toBeGreaterThan(0);
        expect(batch.outDuring).toBe(alreadyOut + batch.servers.length);
        expect(batch.outDuring).toBeLessThanOrEqual(batch.budget);
        expect(batch.inPoolDuring).toBe(servers.length - batch.outDuring);
        const element = batch.canary ? 0 : batch.index - offset;
        expect(batch.budget).toBe(resolveBatchSize(batchSizeAt(spec, element), servers.length));
      }
      expect(plan.maxOut).toBeLessThanOrEqual(Math.max(...plan.batches.map((b) => b.budget)));
      // Every in-pool server exactly once; no out server drained.
      const released = plan.batches.flatMap((b) => b.servers);
      expect(new Set(released).size).toBe(released.length);
      expect(released.sort()).toEqual(servers.filter((s) => !(s in out)).sort());
      expect(plan.skipped.map((s) => s.server).sort()).toEqual(Object.keys(out).sort());
    }
    // The generator exercises both outcomes.
    expect(planned).toBeGreaterThan(250);
    expect(blocked).toBeGreaterThan(10);
  });
});
