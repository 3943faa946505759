// The run-once phases around the rolling part, as Capistrano's `deploy:migrate` and Deployer's
// `once()`: `before` runs once before the first batch (database migrations), `after` once the last
// batch is back in the pool. Where: a named server, the first server of the plan, or the
// controller (this machine). What a failure means:
//   before fails → nothing was drained: the release fails (exit 1), no batch starts;
//   after fails  → the release stands, reported (AFTER_FAILED + the run's message), unless
//                  `after.onFailure: rollback`: then the whole cluster is rolled back in batches.
// Both are journaled (`once-*` events), so a promote or resume of a release whose `before`
// finished never runs it again.
import { dirname } from 'node:path';
import { controllerTemplateVars, pipelineTemplateVars } from '../config/pipeline-vars.ts';
import type { OncePhase, OncePlace, RunStep } from '../config/types.ts';
import { CONTROLLER, localSession } from '../deploy/local-session.ts';
import { runStep } from '../deploy/phase.ts';
import type { EventOf, OncePhaseName, ReleaseEvent, RunOutcome } from '../events/types.ts';
import { journalPath, readJournal } from '../journal/journal.ts';
import type { Plan } from '../plan/types.ts';
import type { TemplateVars } from '../shell/template.ts';
import type { HostSession } from '../transport/types.ts';
import type { ContextDeps } from './context.ts';
import type { Run } from './lifecycle.ts';
import { rollBackInBatches } from './rollback-batches.ts';
import type { ReleaseRequest } from './run.ts';
import { LIVE } from './seams.ts';
import { isStuckOut, type RunServer, type ServerResult } from './types.ts';

export interface OnceInput {
  run: Run;
  request: Pick<ReleaseRequest, 'cluster' | 'pipeline' | 'release' | 'artifact' | 'resume'>;
  deps: ContextDeps;
  plan: Plan;
}

/** What the release goes on with: the batches (ok), or the run's end. */
export type BeforeGate = { ok: true } | { ok: false; end: { outcome: RunOutcome; results: ServerResult[]; message?: string } };

export interface AfterInput extends OnceInput {
  outcome: RunOutcome;
  results: ServerResult[];
}

const NEVER = new AbortController().signal;

/** Where a run-once phase runs, resolved for this run: a session and the variables of its steps. */
interface Place {
  on: string;
  session: HostSession;
  vars: TemplateVars;
  /** The server, when it is one (its prepare runs before a `before`). */
  server?: RunServer;
}

type OnceResult = { ok: true; durationMs: number } | { ok: false; interrupted: boolean; durationMs: number; failedStep: string; detail: string };

/** The place as the pipeline says it, for events about a phase that did not get to run. */
const declared = (on: OncePlace): string => (on.kind === 'server' ? on.name : on.kind);

/** The `before` that already finished for this release, from the journal: only a promote or resume continues one. */
export function beforeRanIn(events: readonly ReleaseEvent[], release: string): EventOf<'once-finished'> | undefined {
  let ran: EventOf<'once-finished'> | undefined;
  for (const event of events) {
    // A recover repairs whatever ran; it does not end the release it repairs.
    if (event.type === 'run-started' && event.command !== 'recover' && (event.release !== release || event.command === 'release')) ran = undefined;
    if (event.type === 'once-finished' && event.phase === 'before' && event.ok && event.release === release) ran ??= event;
  }
  return ran;
}

/** Why `before` is not run again, or undefined when it must run. */
function alreadyRan(input: OnceInput): string | undefined {
  const { resume, cluster, release } = input.request;
  if (!resume) return undefined;
  const events = input.deps.journalEvents?.() ?? readJournal(journalPath(cluster.journalDir, cluster.name));
  // This machine's journal, else the state the run read (the copy on the directors when newer).
  const local = beforeRanIn(events, release);
  const copied = input.run.journal.state.release === release ? input.run.journal.state.before : undefined;
  const ran = local ?? copied ?? undefined;
  if (ran) return `it ran for ${release} in run ${ran.runId} (${ran.at}${ran.on === CONTROLLER ? ', on the controller' : `, on ${ran.on}`})`;
  // NOTE: another machine's journal is not here (a promote from another CI runner): batches that
  // were released prove it ran, since no batch starts before `before` succeeded.
  if (resume.fromBatch > 0 || resume.released.length > 0)
    return `${release} was already released on ${resume.released.length > 0 ? resume.released.join(', ') : 'an earlier batch'}, so it ran before them`;
  return undefined;
}

// The controller is reached by no transport: its session goes through its own seam (a dry run
// reports its commands instead of running them).
function controllerSession(input: OnceInput): HostSession {
  const local = localSession({ cwd: dirname(input.request.cluster.file) });
  return (input.deps.seams ?? LIVE).controller(local, input.run.emit);
}

function resolvePlace(input: OnceInput, phase: OncePhase, which: OncePhaseName): Place | string {
  const { cluster, pipeline, release, artifact } = input.request;
  if (phase.on.kind === 'controller') {
    return { on: CONTROLLER, session: controllerSession(input), vars: controllerTemplateVars({ cluster, pipeline, release, artifact }) };
  }
  // `first`: the first server of the plan (the canary with --canary), which gets this release.
  const first = input.plan.batches[which === 'before' ? (input.request.resume?.fromBatch ?? 0) : 0]?.servers[0];
  const name = phase.on.kind === 'first' ? first : phase.on.name;
  const server = name === undefined ? undefined : input.run.servers.get(name);
  if (!server) return name === undefined ? 'the plan releases no server to run it on' : `no server named ${name} in the cluster file`;
  const vars = pipelineTemplateVars({ cluster, pipeline, server: server.config, release, previous: server.releaseBefore ?? undefined, artifact });
  return { on: server.name, session: server.session, vars, server };
}

/** The steps in order, each journaled; an interrupt stops before the next one, never inside one. */
async function runSteps(input: OnceInput, which: OncePhaseName, place: Place, steps: readonly RunStep[], started: number): Promise<OnceResult> {
  const { emit, flow } = input.run;
  const elapsed = () => flow.clock.now().getTime() - started;
  for (const [index, step] of steps.entries()) {
    if (flow.stop.aborted)
      return { ok: false, interrupted: true, durationMs: elapsed(), failedStep: `${step.name} (${step.source})`, detail: 'interrupted before it started' };
    const at = flow.clock.now().getTime();
    emit({ type: 'once-step-started', phase: which, on: place.on, step: index, label: step.name });
    // NOTE: a migration is never killed half-way by an interrupt: it ends on its own or at its timeout.
    const outcome = await runStep(step, place.session, place.vars, NEVER).catch((error: unknown) => ({
      ok: false as const,
      detail: error instanceof Error ? error.message : String(error),
    }));
    emit({
      type: 'once-step-finished',
      phase: which,
      on: place.on,
      step: index,
      label: step.name,
      ok: outcome.ok,
      durationMs: flow.clock.now().getTime() - at,
      detail: outcome.detail,
    });
    if (!outcome.ok) return { ok: false, interrupted: false, durationMs: elapsed(), failedStep: `${step.name} (${step.source})`, detail: outcome.detail };
  }
  return { ok: true, durationMs: elapsed() };
}

/** Runs a phase where it belongs (after the server's prepare, for a `before` on a server) and journals it. */
async function runOnce(input: OnceInput, which: OncePhaseName, phase: OncePhase): Promise<OnceResult & { on: string }> {
  const { emit, flow } = input.run;
  const { release } = input.request;
  const started = flow.clock.now().getTime();
  const place = resolvePlace(input, phase, which);
  const finish = (on: string, result: OnceResult): OnceResult & { on: string } => {
    const failure = result.ok ? {} : { failedStep: result.failedStep, detail: result.detail };
    emit({ type: 'once-finished', phase: which, release, on, ok: result.ok, durationMs: result.durationMs, ...failure });
    return { ...result, on };
  };
  if (typeof place === 'string') return finish(declared(phase.on), { ok: false, interrupted: false, durationMs: 0, failedStep: `${which}.on`, detail: place });
  emit({ type: 'once-started', phase: which, release, on: place.on, steps: phase.steps.length });
  if (which === 'before' && place.server) {
    // The new release must be on the server (unpacked, shared files linked) for a migration to run it.
    const prepared = await flow.runPhase('prepare', place.server, { release, previous: place.server.releaseBefore }, flow.stop);
    if (!prepared.ok)
      return finish(place.on, {
        ok: false,
        interrupted: flow.stop.aborted,
        durationMs: flow.clock.now().getTime() - started,
        failedStep: `prepare: ${prepared.step}`,
        detail: prepared.detail,
      });
  }
  return finish(place.on, await runSteps(input, which, place, phase.steps, started));
}

/** `before`, once, before the first batch; a promote or resume of a release whose `before` finished skips it. */
export async function runBefore(input: OnceInput): Promise<BeforeGate> {
  const phase = input.request.pipeline.before;
  if (!phase) return { ok: true };
  const { emit } = input.run;
  const { release, resume } = input.request;
  const skipped = alreadyRan(input);
  if (skipped) {
    emit({ type: 'once-finished', phase: 'before', release, on: declared(phase.on), ok: true, durationMs: 0, skipped });
    return { ok: true };
  }
  const result = await runOnce(input, 'before', phase);
  if (result.ok) return { ok: true };
  if (result.interrupted) {
    emit({
      type: 'paused',
      reason: 'interrupt',
      nextBatch: resume?.fromBatch ?? 0,
      resumeWith: 'release resume',
      ciJob: input.deps.ciJob,
      ciJobUrl: input.deps.ciJobUrl,
    });
    return { ok: false, end: { outcome: 'interrupted', results: [], message: `interrupted in before (${result.failedStep}); nothing was drained` } };
  }
  const where = result.on === CONTROLLER ? 'on the controller' : `on ${result.on}`;
  return {
    ok: false,
    end: {
      outcome: 'rolled-back',
      results: [],
      message: `before failed ${where} at ${result.failedStep}: ${result.detail}; nothing was drained, every server runs what it ran before`,
    },
  };
}

/** Rolls back every server this release finished (`after.onFailure: rollback`), with the same drain discipline. */
async function rollBackCluster(input: AfterInput): Promise<{ outcome: RunOutcome; results: ServerResult[] }> {
  const { run, request, plan } = input;
  const results = [...input.results];
  const names = [...new Set([...(request.resume?.released ?? []), ...results.filter((r) => r.outcome === 'released').map((r) => r.server)])];
  const released = names.map((name) => run.servers.get(name)).filter((s): s is RunServer => s !== undefined);
  run.emit({ type: 'marked-bad', server: '*', release: request.release });
  // Invariant 1: never more out of the pool than the smallest batch allows, servers already out
  // counted. NOTE: a plan with a batch leaves room for at least one (its budget covers them).
  const room = Math.max(1, Math.min(...plan.batches.map((b) => b.budget)) - plan.alreadyOut);
  const rolled = await rollBackInBatches(
    { targets: released.map((server) => ({ server, current: request.release, to: server.releaseBefore })), room },
    run.flow,
  );
  for (const r of rolled) {
    const at = results.findIndex((x) => x.server === r.server);
    if (at >= 0) results[at] = { ...r, releaseBefore: results[at]?.releaseBefore ?? r.releaseBefore };
    else results.push(r);
  }
  const done = rolled.length === released.length && rolled.every((r) => r.outcome === 'rolled-back');
  return { outcome: results.some(isStuckOut) || !done ? 'rollback-failed' : 'rolled-back', results };
}

/** `after`, once the last batch is back in the pool; only a released run gets one. */
export async function runAfter(input: AfterInput): Promise<{ outcome: RunOutcome; results: ServerResult[]; message?: string }> {
  const phase = input.request.pipeline.after;
  const { outcome, results } = input;
  if (!phase || outcome !== 'released') return { outcome, results };
  const { emit, flow } = input.run;
  const failed = (why: string) => emit({ type: 'warning', code: 'AFTER_FAILED', message: why });
  if (flow.stop.aborted) {
    const message = `after was not run (interrupted once every server was released): run its steps by hand`;
    emit({ type: 'once-finished', phase: 'after', release: input.request.release, on: declared(phase.on), ok: false, durationMs: 0, skipped: 'interrupted' });
    failed(message);
    return { outcome, results, message };
  }
  const result = await runOnce(input, 'after', phase);
  if (result.ok) return { outcome, results };
  const where = result.on === CONTROLLER ? 'on the controller' : `on ${result.on}`;
  const why = `after failed ${where} at ${result.failedStep}: ${result.detail}`;
  if (phase.onFailure !== 'rollback') {
    const message = `${why}; the release stands (after.onFailure: warn)`;
    failed(message);
    return { outcome, results, message };
  }
  failed(`${why}; rolling the whole cluster back (after.onFailure: rollback)`);
  const rolled = await rollBackCluster(input);
  return { ...rolled, message: `${why}; the cluster was rolled back (after.onFailure: rollback)` };
}
