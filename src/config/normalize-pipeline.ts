// The validated pipeline file → the Pipeline the engine runs: typed steps, defaults applied.

import { PIPELINE_DEFAULTS } from './defaults.ts';
import type { PathSegment } from './problems.ts';
import { parseRampStep } from './rules-pipeline.ts';
import { ONCE_PLACES, PHASES } from './schema.ts';
import type { OnceStepFile, PipelineFile, PipelineStepFile } from './schema.ts';
import type { AfterPhase, HttpStep, OncePhase, OncePlace, Pipeline, RampSettings, RunStep, Step } from './types.ts';

export interface NormalizePipelineContext {
  /** Absolute path of the pipeline file. */
  file: string;
  /** The file as shown to the user, for step sources. */
  displayFile: string;
  /** Line of the node at a path (for each step's `source`). */
  lineOf(path: readonly PathSegment[]): number;
}

function summary(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function normalizeRun(raw: OnceStepFile, stepTimeoutMs: number, source: string): RunStep {
  const run = typeof raw.run === 'string' ? { cmd: raw.run } : raw.run;
  const common = { kind: 'run' as const, source, timeoutMs: run.timeout ?? stepTimeoutMs, sudo: run.sudo ?? PIPELINE_DEFAULTS.run.sudo };
  if (run.argv !== undefined) return { name: raw.name ?? summary(run.argv.join(' ')), ...common, argv: run.argv };
  return { name: raw.name ?? summary(run.cmd ?? ''), ...common, cmd: run.cmd ?? '' };
}

/** The shared paths a `link: shared` step links (the pipeline's own settings). */
interface Linked {
  dirs: string[];
  files: string[];
}

function normalizeStep(raw: PipelineStepFile, stepTimeoutMs: number, source: string, linked: Linked): Step {
  const named = (fallback: string) => ({ name: raw.name ?? fallback, source });
  if (raw.run !== undefined) return normalizeRun({ ...raw, run: raw.run }, stepTimeoutMs, source);
  if (raw.link !== undefined) return { ...named('link shared files'), kind: 'link', dirs: linked.dirs, files: linked.files, timeoutMs: stepTimeoutMs };
  if (raw.app !== undefined) {
    const { action, timeout } = raw.app;
    return { ...named(`app ${action}`), kind: 'app', action, timeoutMs: timeout ?? stepTimeoutMs };
  }
  if (raw.upload !== undefined) {
    const { from, to, mode } = raw.upload;
    return { ...named(`upload ${to}`), kind: 'upload', from, to, ...(mode === undefined ? {} : { mode: Number.parseInt(mode, 8) }) };
  }
  if (raw.http === undefined) throw new Error('step action was not validated');
  const http = raw.http;
  const defaults = PIPELINE_DEFAULTS.http;
  const expect = http.expect ?? {};
  const method = http.method ?? defaults.method;
  const step: HttpStep = {
    ...named(`${method} ${http.path}`),
    kind: 'http',
    path: http.path,
    method,
    expect: {
      status: expect.status ?? defaults.status,
      ...(expect.body === undefined ? {} : { body: expect.body }),
      ...(expect.bodyPattern === undefined ? {} : { bodyPattern: expect.bodyPattern }),
      ...(expect.header === undefined ? {} : { header: expect.header }),
    },
    timeoutMs: http.timeout ?? defaults.timeoutMs,
    retries: http.retries ?? defaults.retries,
    intervalMs: http.interval ?? defaults.intervalMs,
    ...(http.host === undefined ? {} : { host: http.host }),
  };
  return step;
}

function normalizeRamp(raw: NonNullable<NonNullable<PipelineFile['drain']>['ramp']>): RampSettings {
  return {
    steps: raw.steps.map((value) => parseRampStep(value) ?? Number.NaN),
    intervalMs: raw.interval ?? PIPELINE_DEFAULTS.rampIntervalMs,
  };
}

function oncePlace(on: string): OncePlace {
  const place = ONCE_PLACES.find((name) => name === on);
  return place === undefined ? { kind: 'server', name: on } : { kind: place };
}

type OnceFile = NonNullable<PipelineFile['before']>;

function normalizeOnce(raw: OnceFile, which: 'before' | 'after', stepTimeoutMs: number, ctx: NormalizePipelineContext): OncePhase {
  const steps = raw.steps.map((step, index) => normalizeRun(step, stepTimeoutMs, `${ctx.displayFile}:${ctx.lineOf([which, 'steps', index])}`));
  return { on: oncePlace(raw.on), steps };
}

/** Assumes the schema and every rule passed. */
export function normalizePipeline(file: PipelineFile, ctx: NormalizePipelineContext): Pipeline {
  const drain = file.drain ?? {};
  const defaults = PIPELINE_DEFAULTS.drain;
  const stepTimeoutMs = file.stepTimeout ?? PIPELINE_DEFAULTS.stepTimeoutMs;
  const linked = { dirs: file.linkedDirs ?? [], files: file.linkedFiles ?? [] };
  const phases = Object.fromEntries(
    PHASES.map((phase) => [
      phase,
      (file.phases[phase] ?? []).map((step, index) => normalizeStep(step, stepTimeoutMs, `${ctx.displayFile}:${ctx.lineOf(['phases', phase, index])}`, linked)),
    ]),
  ) as Pipeline['phases'];
  const after: AfterPhase | undefined = file.after && {
    ...normalizeOnce(file.after, 'after', stepTimeoutMs, ctx),
    onFailure: file.after.onFailure ?? PIPELINE_DEFAULTS.after.onFailure,
  };
  return {
    name: file.name,
    ...(file.description === undefined ? {} : { description: file.description }),
    file: ctx.file,
    drain: {
      method: drain.method ?? defaults.method,
      connections: drain.connections ?? defaults.connections,
      threshold: drain.threshold ?? defaults.threshold,
      settleMs: drain.settle ?? defaults.settleMs,
      timeoutMs: drain.timeout ?? defaults.timeoutMs,
      onTimeout: drain.onTimeout ?? defaults.onTimeout,
      pollMs: drain.poll ?? defaults.pollMs,
      ...(drain.ramp === undefined ? {} : { ramp: normalizeRamp(drain.ramp) }),
      // Only when written (their defaults, PIPELINE_DEFAULTS.drain, apply where they are read).
      ...(drain.allowHardCut === undefined ? {} : { allowHardCut: drain.allowHardCut }),
      ...(drain.keepalived === undefined ? {} : { keepalived: drain.keepalived }),
      ...(drain.waitForPersistence === undefined ? {} : { waitForPersistence: drain.waitForPersistence }),
    },
    rollback: file.rollback ?? PIPELINE_DEFAULTS.rollback,
    keepReleases: file.keepReleases ?? PIPELINE_DEFAULTS.keepReleases,
    prepareAhead: file.prepareAhead ?? PIPELINE_DEFAULTS.prepareAhead,
    stepTimeoutMs,
    phases,
    ...(file.before === undefined ? {} : { before: normalizeOnce(file.before, 'before', stepTimeoutMs, ctx) }),
    ...(after === undefined ? {} : { after }),
  };
}
