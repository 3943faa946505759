// `release()` and `plan()`: a rolling release, or the same engine as a dry run that reads the
// real state and changes nothing. A plan inside a peak window or freeze runs (it changes nothing)
// and says that a real run would be refused now, by what, and when it may start.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ReleaseError } from '../core/errors.ts';
import type { ReleaseEvent } from '../events/types.ts';
import { parseBatchSpec } from '../plan/batch-spec.ts';
import { resolveLimit } from '../plan/limit.ts';
import type { BatchSpec, Plan } from '../plan/types.ts';
import { checkWindows, runRelease, type ResumeState } from '../runner/run.ts';
import { evaluateWindows } from '../windows/evaluate.ts';
import { formatDecision } from '../windows/format.ts';
import type { Trigger } from '../windows/types.ts';
import { loadConfig } from './config.ts';
import { edgesOf, type Edges } from './edges.ts';
import { engineOptionsOf, withEngine } from './engine.ts';
import type { LoadedConfig, RunOptions } from './options.ts';
import { createRunRecorder, settleRun, type RunApiResult } from './result.ts';
import { resolveTrigger, windowVerdict, type WindowVerdict } from './windows.ts';

export interface ReleaseOptions extends RunOptions {
  /** Batch sizes: `2`, `25%`, `1,2,25%` (default 1). */
  batch?: string | number;
  /** A first batch of this many servers, then a pause (promote/abort). */
  canary?: number;
  /** The artifact to upload (relative to `cwd`); needed when the pipeline uploads `{{artifact}}`. */
  artifact?: string;
  /** Default: a UTC timestamp like 20261125T020000Z. */
  releaseId?: string;
  /** Read the real state, report the plan and the commands, change nothing. */
  dryRun?: boolean;
  /** Default: `ci` when env.CI is set, else `manual`. */
  trigger?: Trigger;
  /** Start inside a peak window or freeze; recorded with the run. */
  forceWindowReason?: string;
  /** Sleep until no window blocks, then start (not in a dry run). */
  waitForWindow?: boolean;
  /** Only these servers: names or globs (`web1*`), each may be comma-separated. */
  limit?: readonly string[];
  /** After the canary: true promotes at once; false (the default) pauses for promote/abort. */
  confirmCanary?: () => Promise<boolean>;
  /** Continue a run the journal paused (what `release promote` / `release resume` pass). */
  resume?: ResumeState;
}

export interface ReleaseResult extends RunApiResult {
  /** The plan the run followed (or would have, in a dry run); null when the run never got that far. */
  plan: Plan | null;
  /** Dry run only: the windows at the start. `allowed: false` means a real run would be refused now. */
  window: WindowVerdict | null;
}

const RELEASE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `20261125T020000Z`: sortable, filesystem- and shell-safe. */
export function defaultReleaseId(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** The options a release checks before reading any file: batch, canary, release id, forced window's reason. */
export function checkReleaseRequest(options: Pick<ReleaseOptions, 'batch' | 'canary' | 'releaseId' | 'forceWindowReason'>): {
  batch: BatchSpec;
  canary: number | undefined;
} {
  const batch = parseBatchSpec(String(options.batch ?? '1'));
  const canary = options.canary;
  if (canary !== undefined && (!Number.isInteger(canary) || canary < 1)) {
    throw new ReleaseError('USAGE', `--canary "${canary}" is not a positive whole number.`, { hint: 'e.g. --canary 1' });
  }
  if (options.forceWindowReason !== undefined && !options.forceWindowReason.trim()) {
    throw new ReleaseError('USAGE', '--force-window needs --reason "…": forcing a peak window is recorded with its reason.', {
      hint: 'release --force-window --reason "hotfix for INC-1234"',
    });
  }
  if (options.releaseId !== undefined && !RELEASE_ID.test(options.releaseId)) {
    throw new ReleaseError('USAGE', `--release-id "${options.releaseId}" must be letters, digits, '.', '_' or '-' (starting with a letter or digit).`, {
      hint: 'e.g. --release-id 2026.11.25-1',
    });
  }
  return { batch, canary };
}

/** Sleeps until no window blocks (saying why and until when), or until the signal aborts. */
async function waitForWindow(edges: Edges, config: LoadedConfig, trigger: Trigger, signal: AbortSignal | undefined): Promise<void> {
  const policy = config.cluster.peakWindows;
  if (!policy) return;
  for (;;) {
    const decision = evaluateWindows(policy, { at: edges.clock.now(), trigger });
    if (decision.allowed) return;
    for (const line of formatDecision(decision, policy)) edges.log(line);
    if (!decision.nextAllowed)
      throw checkWindows({ cluster: config.cluster, trigger }, edges.clock.now()) ?? new ReleaseError('PEAK_WINDOW', 'no allowed start found');
    const ms = Math.max(1000, decision.nextAllowed.getTime() - edges.clock.now().getTime());
    edges.log(`--wait-for-window: sleeping ${Math.round(ms / 1000)}s until ${decision.nextAllowed.toISOString()}`);
    await edges.clock.sleep(ms, signal ?? new AbortController().signal);
  }
}

/** The warning a dry run inside a window emits right after its `run-started`. */
function windowWarning(verdict: WindowVerdict, event: Extract<ReleaseEvent, { type: 'run-started' }>): ReleaseEvent {
  const refusal = verdict.refusal;
  return {
    type: 'warning',
    code: 'WINDOW_WOULD_REFUSE',
    message: `a real run would be refused now (${refusal?.code ?? 'PEAK_WINDOW'}): ${refusal?.message ?? 'a peak window applies'} ${verdict.nextAllowed ? `It may start at ${verdict.nextAllowed}.` : 'No allowed start was found in the search horizon.'}`,
    details: { trigger: verdict.trigger, blockers: verdict.blockers, nextAllowed: verdict.nextAllowed },
    at: event.at,
    runId: event.runId,
  };
}

export async function release(options: ReleaseOptions = {}): Promise<ReleaseResult> {
  const edges = edgesOf(options);
  const recorder = createRunRecorder(edges.redact, options.onEvent);
  let plan: Plan | null = null;
  let window: WindowVerdict | null = null;
  return settleRun<ReleaseResult>(
    recorder,
    async () => {
      const { batch, canary } = checkReleaseRequest(options);
      const dryRun = Boolean(options.dryRun);
      const releaseId = options.releaseId ?? defaultReleaseId(edges.clock.now());
      const artifact = options.artifact ? resolve(edges.cwd, options.artifact) : undefined;
      if (artifact && !existsSync(artifact))
        throw new ReleaseError('USAGE', `--artifact ${artifact}: no such file.`, { hint: 'Build the artifact first, or fix the path.' });
      const config = await loadConfig({ ...options, ...edges, onLog: edges.log });
      const { cluster, pipeline } = config;
      const trigger = options.trigger ?? resolveTrigger(undefined, edges.env);
      const usesArtifact = Object.values(pipeline.phases)
        .flat()
        .some((s) => s.kind === 'upload' && s.from.includes('{{artifact}}'));
      if (usesArtifact && !artifact) {
        throw new ReleaseError('USAGE', `pipeline "${pipeline.name}" uploads {{artifact}}: pass --artifact FILE.`, {
          hint: 'release --artifact dist/app.tar.gz --batch 2',
        });
      }
      const limit = options.limit ? resolveLimit(options.limit, cluster.realServers) : undefined;
      const forced = options.forceWindowReason;
      if (dryRun) {
        // A dry run changes nothing, so a window never stops it: it says what a real run would meet.
        window = windowVerdict(cluster, edges.clock.now(), trigger);
      } else if (!forced) {
        if (options.waitForWindow) await waitForWindow(edges, config, trigger, options.signal);
        const refusal = checkWindows({ cluster, trigger }, edges.clock.now());
        if (refusal) throw refusal;
      }
      const verdict = window as WindowVerdict | null;
      const result = await withEngine(
        cluster,
        engineOptionsOf(edges, { dryRun, breakLock: options.breakLock, onEvent: recorder.emit, signal: options.signal }),
        (deps) =>
          runRelease(
            {
              cluster,
              pipeline,
              batch,
              canary,
              artifact,
              release: releaseId,
              trigger,
              forceWindowReason: forced,
              resume: options.resume,
              limit,
              ignoreWindows: dryRun && !forced,
            },
            {
              ...deps,
              emit: (event) => {
                if (event.type === 'plan') plan = event.plan;
                deps.emit(event);
                if (event.type === 'run-started' && verdict && !verdict.allowed && !forced) deps.emit(windowWarning(verdict, event));
              },
              confirmCanary: dryRun ? async () => true : (options.confirmCanary ?? (async () => false)),
            },
          ),
      );
      return { ...recorder.ended(result.exitCode), plan, window };
    },
    () => ({ plan, window }),
  );
}

/** `release plan`: the release as a dry run (nothing changes; exit status 0 even inside a peak window). */
export function plan(options: Omit<ReleaseOptions, 'dryRun' | 'waitForWindow' | 'confirmCanary'> = {}): Promise<ReleaseResult> {
  return release({ ...options, dryRun: true });
}
