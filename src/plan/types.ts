// The batch plan as plain, versioned, serializable data: what `release plan` prints and the runner follows.

/** One element of `--batch`: a count of servers, or a percentage of the configured real servers. */
export type BatchSize = { kind: 'count'; count: number } | { kind: 'percent'; percent: number };

/** A parsed `--batch`: the i-th batch uses the i-th size; the last size repeats. Never empty. */
export interface BatchSpec {
  /** As the user wrote it, e.g. `1,2,25%`. */
  text: string;
  sizes: BatchSize[];
}

/** Whether a server is in the pool (present with weight > 0 on every director, for every service). */
export type ServerPoolState = { inPool: true } | { inPool: false; reason: string };

export interface PlanBatch {
  /** 0-based position in `batches`. */
  index: number;
  /** True for the `--canary` batch. */
  canary: boolean;
  /** Server names, in order. */
  servers: string[];
  /** The most servers allowed out of the pool during this batch (the batch size, SPEC invariant 1). */
  budget: number;
  /** Out of the pool before the batch drains (servers that were already out). */
  outBefore: number;
  /** Out of the pool while the batch is drained: outBefore + servers.length, never above budget. */
  outDuring: number;
  inPoolDuring: number;
  inPoolAfter: number;
  /** Stop after this batch for promote/abort (the canary, when batches follow it). */
  pauseAfter: boolean;
}

export interface SkippedServer {
  server: string;
  /** Why it is not released, e.g. `weight 0 on lvs2 for TCP 10.0.0.100:80`. */
  reason: string;
}

/** Why the plan cannot run at all; the caller refuses with PREFLIGHT_FAILED (exit 3). */
export interface PlanBlocked {
  reason: string;
  hint: string;
}

export interface Plan {
  version: 1;
  batchSpec: string;
  canary: number | null;
  /** Configured real servers. */
  clusterSize: number;
  /** Servers out of the pool before the release; they count against every batch's budget. */
  alreadyOut: number;
  /** Servers the plan releases (would release, when blocked): those in the pool. */
  total: number;
  /** The most servers out of the pool at any step (alreadyOut when there is no batch). */
  maxOut: number;
  /** Empty when blocked. */
  batches: PlanBatch[];
  skipped: SkippedServer[];
  blocked: PlanBlocked | null;
  /** `--limit`: the servers asked for (null or absent: every server; absent in plans recorded before --limit). */
  limit?: string[] | null;
  /** In the pool but outside `--limit`: left alone (they never count against the budget). */
  outsideLimit?: string[];
}
