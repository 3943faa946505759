// The end of a run in numbers, folded from its events: the table people read and the `--report` document.

import type { ReleaseEvent, RunOutcome, ServerOutcome, ServerResult } from '../events/types.ts';

export { formatSummaryTable } from './summary-table.ts';
export { buildReport, REPORT_VERSION, type RunReport } from './report.ts';

/** `not-started`: never in a batch; `unfinished`: in a batch, but no `server-finished` (a crash or an abort). */
export type ServerSummaryOutcome = ServerOutcome | 'not-started' | 'unfinished';

/** A server's line of the summary: the `server-finished` result (the source of the shape), with
 * totals over every time the run drained it (a release, then its rollback) and its batches. */
export type ServerSummary = Pick<ServerResult, 'server' | 'releaseBefore' | 'releaseAfter' | 'outOfPoolMs' | 'drainMs' | 'failedStep' | 'error'> & {
  outcome: ServerSummaryOutcome;
  /** 0-based indexes of the batches the server was in. */
  batches: number[];
};

export interface BatchSummary {
  index: number;
  purpose: 'release' | 'rollback';
  servers: string[];
  /** null: never finished. */
  ok: boolean | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface WarningSummary {
  code: string;
  message: string;
  server?: string;
  director?: string;
}

export interface RunSummary {
  runId: string | null;
  cluster: string | null;
  release: string | null;
  command: string | null;
  trigger: string | null;
  dryRun: boolean;
  /** `unfinished`: no `run-finished` event (the process died, or the log was cut). */
  outcome: RunOutcome | 'unfinished';
  exitCode: number | null;
  message?: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  forcedWindow?: { reason: string; blockers: string[] };
  paused?: { reason: string; resumeWith: string };
  batches: BatchSummary[];
  servers: ServerSummary[];
  markedBad: { server: string; release: string }[];
  warnings: WarningSummary[];
}

export interface SummaryBuilder {
  add(event: ReleaseEvent): void;
  /** A snapshot: later `add`s do not change it. */
  result(): RunSummary;
}

function msBetween(from: string | null, to: string | null): number | null {
  if (from === null || to === null) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}

/** Folds events one at a time, in constant work per event, so a long run's summary costs no more than its servers. */
export function createSummaryBuilder(): SummaryBuilder {
  const run: Omit<RunSummary, 'batches' | 'servers' | 'durationMs'> = {
    runId: null,
    cluster: null,
    release: null,
    command: null,
    trigger: null,
    dryRun: false,
    outcome: 'unfinished',
    exitCode: null,
    startedAt: null,
    finishedAt: null,
    markedBad: [],
    warnings: [],
  };
  const servers = new Map<string, ServerSummary>();
  const batches = new Map<number, BatchSummary>();

  const server = (name: string): ServerSummary => {
    let entry = servers.get(name);
    if (entry === undefined) {
      entry = { server: name, outcome: 'not-started', releaseBefore: null, releaseAfter: null, outOfPoolMs: 0, drainMs: 0, batches: [] };
      servers.set(name, entry);
    }
    return entry;
  };

  const add = (event: ReleaseEvent): void => {
    run.runId ??= event.runId;
    switch (event.type) {
      case 'run-started':
        Object.assign(run, { cluster: event.cluster, release: event.release, command: event.command, trigger: event.trigger, dryRun: event.dryRun ?? false });
        run.startedAt ??= event.at;
        if (event.forcedWindow) run.forcedWindow = { reason: event.forcedWindow.reason, blockers: [...event.forcedWindow.blockers] };
        return;
      case 'preflight':
        for (const s of event.servers) {
          const entry = server(s.name);
          if (entry.releaseBefore === null && s.release !== undefined) {
            entry.releaseBefore = s.release;
            entry.releaseAfter = s.release;
          }
        }
        return;
      case 'warning':
        run.warnings.push({ code: event.code, message: event.message, server: event.server, director: event.director });
        return;
      case 'batch-started':
        batches.set(event.index, {
          index: event.index,
          purpose: event.purpose,
          servers: [...event.servers],
          ok: null,
          startedAt: event.at,
          finishedAt: null,
          durationMs: null,
        });
        for (const name of event.servers) {
          const entry = server(name);
          entry.outcome = 'unfinished';
          if (!entry.batches.includes(event.index)) entry.batches.push(event.index);
        }
        return;
      case 'batch-finished': {
        const batch = batches.get(event.index);
        if (batch) Object.assign(batch, { ok: event.ok, finishedAt: event.at, durationMs: msBetween(batch.startedAt, event.at) });
        return;
      }
      case 'release-switch':
        if (event.stage === 'done') server(event.server).releaseAfter = event.to;
        return;
      case 'server-finished': {
        const entry = server(event.server);
        entry.outcome = event.outcome;
        // The release before the run is the first one known (preflight, or the first finish); a rollback batch's is not.
        entry.releaseBefore ??= event.releaseBefore;
        entry.releaseAfter = event.releaseAfter;
        entry.outOfPoolMs += event.outOfPoolMs;
        entry.drainMs += event.drainMs;
        if (event.failedStep !== undefined) entry.failedStep = event.failedStep;
        if (event.error !== undefined) entry.error = event.error;
        return;
      }
      case 'marked-bad':
        run.markedBad.push({ server: event.server, release: event.release });
        return;
      case 'paused':
        run.paused = { reason: event.reason, resumeWith: event.resumeWith };
        return;
      case 'run-finished':
        run.outcome = event.outcome;
        run.exitCode = event.exitCode;
        run.finishedAt = event.at;
        if (event.message !== undefined) run.message = event.message;
        return;
      default:
        return;
    }
  };

  const result = (): RunSummary => ({
    ...structuredClone(run),
    durationMs: msBetween(run.startedAt, run.finishedAt),
    batches: [...batches.values()].map((b) => ({ ...b, servers: [...b.servers] })),
    servers: [...servers.values()].map((s) => ({ ...s, batches: [...s.batches] })),
  });

  return { add, result };
}

/** The summary of a whole event log. */
export function buildSummary(events: readonly ReleaseEvent[]): RunSummary {
  const builder = createSummaryBuilder();
  for (const event of events) builder.add(event);
  return builder.result();
}
