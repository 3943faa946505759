// The batch plan: which servers go out of the pool together, never more than the batch size at once
// (SPEC invariant 1), counting servers that are already out. Pure: deciding, not doing.

import { ReleaseError } from '../core/errors.ts';
import { batchSizeAt, formatBatchSize, resolveBatchSize } from './batch-spec.ts';
import type { BatchSpec, Plan, PlanBatch, PlanBlocked, ServerPoolState, SkippedServer } from './types.ts';

export interface BuildPlanInput {
  /** Configured real servers, by name, in configuration order. */
  servers: readonly string[];
  /** Pool state per server name; a server without an entry is treated as out ("pool state unknown"). */
  state: Readonly<Record<string, ServerPoolState>>;
  batch: BatchSpec;
  /** A first batch of this many servers, then a pause. Must not exceed the first batch size. */
  canary?: number;
  /** Names to release first, in this order; the others follow in configuration order. */
  order?: readonly string[];
  /**
   * `--limit`: release only these (resolved names). Servers out of the pool still count against
   * every batch's budget, limited or not: the capacity a batch size promises is the cluster's.
   */
  limit?: readonly string[];
}

const NAMES_SHOWN = 5;

function orderServers(servers: readonly string[], order: readonly string[]): string[] {
  const known = new Set(servers);
  const unknown = order.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new ReleaseError('USAGE', `Unknown real server(s) in the release order: ${unknown.join(', ')}.`, {
      hint: 'Name servers as the cluster file does (realServers[].name, or host).',
    });
  }
  const first = [...new Set(order)];
  const chosen = new Set(first);
  return [...first, ...servers.filter((name) => !chosen.has(name))];
}

function checkCanary(canary: number, firstSize: number, spec: BatchSpec): void {
  if (!Number.isSafeInteger(canary) || canary < 1) {
    throw new ReleaseError('USAGE', `Invalid --canary ${canary}: it must be a whole number of servers, at least 1.`, {
      hint: 'For example --canary 1.',
    });
  }
  if (canary > firstSize) {
    throw new ReleaseError('USAGE', `--canary ${canary} is larger than the first batch (--batch ${spec.text} allows ${firstSize}).`, {
      hint: `Use --canary ${firstSize} or less, or a larger --batch: the canary never takes more servers out than a batch.`,
    });
  }
}

function namesOf(skipped: readonly SkippedServer[]): string {
  const shown = skipped.slice(0, NAMES_SHOWN).map((s) => `${s.server}: ${s.reason}`);
  const more = skipped.length > NAMES_SHOWN ? `; and ${skipped.length - NAMES_SHOWN} more` : '';
  return `${shown.join('; ')}${more}`;
}

function blockedBy(skipped: readonly SkippedServer[], budget: number, element: string): PlanBlocked {
  const out = skipped.length;
  return {
    reason:
      `${out} server${out === 1 ? ' is' : 's are'} already out of the pool (${namesOf(skipped)}) ` +
      `and batch size ${element} allows ${budget} out at a time, so no server can be drained`,
    // NOTE: servers a crashed run left drained never get here: the run refuses earlier, naming them and `release recover`.
    hint: 'See them with `release status` and put them back into the pool, or pass a larger --batch.',
  };
}

function emptyPlan(input: BuildPlanInput, skipped: SkippedServer[], blocked: PlanBlocked | null, scope: { eligible: number; outsideLimit: string[] }): Plan {
  return {
    version: 1,
    batchSpec: input.batch.text,
    canary: input.canary ?? null,
    clusterSize: input.servers.length,
    alreadyOut: skipped.length,
    total: scope.eligible,
    maxOut: skipped.length,
    batches: [],
    skipped,
    blocked,
    ...(input.limit ? { limit: [...input.limit], outsideLimit: scope.outsideLimit } : {}),
  };
}

/** Batches of in-pool servers under the batch budget; `blocked` (no batches) when none can be drained. */
export function buildPlan(input: BuildPlanInput): Plan {
  const { batch: spec } = input;
  const clusterSize = input.servers.length;
  if (new Set(input.servers).size !== clusterSize) throw new Error('buildPlan: duplicate server names');
  const ordered = orderServers(input.servers, input.order ?? []);
  const firstSize = resolveBatchSize(batchSizeAt(spec, 0), clusterSize);
  if (input.canary !== undefined) checkCanary(input.canary, firstSize, spec);

  const limited = input.limit ? new Set(input.limit) : undefined;
  const skipped: SkippedServer[] = [];
  const eligible: string[] = [];
  const outsideLimit: string[] = [];
  for (const server of ordered) {
    const state = input.state[server] ?? { inPool: false, reason: 'pool state unknown' };
    if (!state.inPool) skipped.push({ server, reason: state.reason });
    else if (limited && !limited.has(server)) outsideLimit.push(server);
    else eligible.push(server);
  }
  const scope = { eligible: eligible.length, outsideLimit };
  if (clusterSize === 0) {
    return emptyPlan(input, skipped, { reason: 'the cluster has no real servers', hint: 'Add realServers to the cluster file.' }, scope);
  }
  if (eligible.length === 0 && limited) {
    return emptyPlan(
      input,
      skipped,
      {
        reason: `every server of --limit is out of the pool (${namesOf(skipped.filter((s) => limited.has(s.server)))})`,
        hint: 'See them with `release status` and put them back into the pool first, or name other servers with --limit.',
      },
      scope,
    );
  }
  if (eligible.length === 0) {
    return emptyPlan(
      input,
      skipped,
      {
        reason: `every real server is out of the pool (${namesOf(skipped)})`,
        hint: 'See them with `release status` and put them back into the pool first.',
      },
      scope,
    );
  }

  const alreadyOut = skipped.length;
  const batches: PlanBatch[] = [];
  let next = 0;
  // Each step's budget is its batch size; the already-out servers use part of it.
  const addBatch = (budget: number, wanted: number, canary: boolean): void => {
    const servers = eligible.slice(next, next + Math.min(wanted, budget - alreadyOut));
    next += servers.length;
    const outDuring = alreadyOut + servers.length;
    batches.push({
      index: batches.length,
      canary,
      servers,
      budget,
      outBefore: alreadyOut,
      outDuring,
      inPoolDuring: clusterSize - outDuring,
      inPoolAfter: clusterSize - alreadyOut,
      pauseAfter: false,
    });
  };

  if (firstSize - alreadyOut < 1) return emptyPlan(input, skipped, blockedBy(skipped, firstSize, formatBatchSize(batchSizeAt(spec, 0))), scope);
  if (input.canary !== undefined) {
    addBatch(firstSize, input.canary, true);
  }
  for (let i = 0; next < eligible.length; i++) {
    const size = batchSizeAt(spec, i);
    const budget = resolveBatchSize(size, clusterSize);
    if (budget - alreadyOut < 1) return emptyPlan(input, skipped, blockedBy(skipped, budget, formatBatchSize(size)), scope);
    addBatch(budget, budget, false);
  }
  const canaryBatch = batches[0];
  if (canaryBatch?.canary && batches.length > 1) canaryBatch.pauseAfter = true;

  return {
    ...emptyPlan(input, skipped, null, scope),
    batches,
    maxOut: Math.max(alreadyOut, ...batches.map((b) => b.outDuring)),
  };
}
