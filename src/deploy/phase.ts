// Runs one pipeline phase on one server: `run` steps over SSH (every value quoted by the
// template renderer), `upload` over SFTP with progress, `http` smoke checks against the
// server's own address. Each step is journaled; the first failure stops the phase.
import { pipelineTemplateVars } from '../config/pipeline-vars.ts';
import type { Cluster, HttpStep, Pipeline, RunStep, Step, UploadStep } from '../config/types.ts';
import type { Clock } from '../core/clock.ts';
import { isReleaseError } from '../core/errors.ts';
import type { Emit, Phase } from '../events/types.ts';
import type { PhaseResult, RunServer } from '../runner/types.ts';
import { renderArgv, renderShellTemplate, renderTemplate, type TemplateVars } from '../shell/template.ts';
import { runHttpCheck } from '../smoke/http.ts';

export interface PhaseDeps {
  cluster: Cluster;
  pipeline: Pipeline;
  artifact?: string;
  emit: Emit;
  clock: Clock;
  dryRun: boolean;
}

type StepOutcome = { ok: true; detail?: string } | { ok: false; detail: string };

async function runStep(step: RunStep, server: RunServer, vars: TemplateVars, signal: AbortSignal): Promise<StepOutcome> {
  // Both forms render to one command line in which every inserted value is quoted.
  const command = { script: step.cmd !== undefined ? renderShellTemplate(step.cmd, vars) : renderArgv(step.argv, vars) };
  const result = await server.session.exec(
    { ...command, mutates: true, sudo: step.sudo, timeoutMs: step.timeoutMs, label: step.name },
    { signal },
  );
  if (result.ok) return { ok: true };
  const why = result.connectionLost
    ? 'the SSH connection was lost (the outcome is unknown)'
    : result.timedOut
      ? `timed out after ${Math.round(step.timeoutMs / 1000)}s`
      : result.aborted
        ? 'aborted'
        : `exit ${result.exitCode ?? result.signal}`;
  const stderr = result.stderr.trim().split('\n').slice(-3).join(' | ');
  return { ok: false, detail: `${why}${stderr ? `: ${stderr}` : ''}` };
}

async function uploadStep(step: UploadStep, server: RunServer, vars: TemplateVars, signal: AbortSignal, deps: PhaseDeps): Promise<StepOutcome> {
  const localPath = renderTemplate(step.from, vars);
  const remotePath = renderTemplate(step.to, vars);
  let lastPercent = -1;
  const result = await server.session.upload({
    localPath,
    remotePath,
    ...(step.mode !== undefined ? { mode: step.mode } : {}),
    timeoutMs: deps.pipeline.stepTimeoutMs,
    signal,
    onProgress: (sent, total) => {
      const percent = total > 0 ? Math.floor((sent / total) * 10) * 10 : 100;
      if (percent !== lastPercent) {
        lastPercent = percent;
        deps.emit({ type: 'upload-progress', server: server.name, sent, total });
      }
    },
  });
  if (result.ok) return { ok: true, detail: `${result.bytes} bytes in ${result.durationMs} ms` };
  return { ok: false, detail: result.error ?? (result.timedOut ? 'timed out' : result.connectionLost ? 'SSH connection lost' : 'upload failed') };
}

async function httpStep(step: HttpStep, server: RunServer, vars: TemplateVars, signal: AbortSignal, deps: PhaseDeps): Promise<StepOutcome> {
  const smoke = server.config.app.smoke;
  const address = server.config.family === 'inet6' ? `[${server.config.address}]` : server.config.address;
  const hostHeader = step.host ?? smoke.host;
  const check = {
    path: renderTemplate(step.path, vars),
    method: step.method,
    expect: {
      status: step.expect.status,
      ...(step.expect.body !== undefined ? { body: renderTemplate(step.expect.body, vars) } : {}),
      ...(step.expect.bodyPattern !== undefined ? { bodyPattern: step.expect.bodyPattern } : {}),
      ...(step.expect.header
        ? { header: Object.fromEntries(Object.entries(step.expect.header).map(([k, v]) => [k, renderTemplate(v, vars)])) }
        : {}),
    },
    timeoutMs: step.timeoutMs,
    retries: step.retries,
    intervalMs: step.intervalMs,
  };
  if (deps.dryRun) {
    deps.emit({ type: 'command', host: server.name, command: `[dry run] ${check.method} ${smoke.scheme}://${address}:${smoke.port}${check.path}`, mutates: false, dryRun: true });
    return { ok: true, detail: 'dry run: not checked' };
  }
  const result = await runHttpCheck({
    check,
    baseUrl: `${smoke.scheme}://${address}:${smoke.port}`,
    ...(hostHeader ? { hostHeader: renderTemplate(hostHeader, vars) } : {}),
    emit: deps.emit,
    server: server.name,
    signal,
  });
  return result.ok ? { ok: true, detail: `${result.status}` } : { ok: false, detail: result.detail };
}

function describeError(error: unknown): string {
  if (isReleaseError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Builds the PhaseRunner the flow uses. */
export function createPhaseRunner(deps: PhaseDeps) {
  return async (phase: Phase, server: RunServer, release: { release: string; previous: string | null }, signal: AbortSignal): Promise<PhaseResult> => {
    const steps: Step[] = deps.pipeline.phases[phase];
    const vars = pipelineTemplateVars({
      cluster: deps.cluster,
      pipeline: deps.pipeline,
      server: server.config,
      release: release.release,
      ...(release.previous ? { previous: release.previous } : {}),
      ...(deps.artifact ? { artifact: deps.artifact } : {}),
    });
    for (const [index, step] of steps.entries()) {
      const started = deps.clock.now().getTime();
      deps.emit({ type: 'step-started', server: server.name, phase, step: index, label: step.name });
      let outcome: StepOutcome;
      try {
        outcome =
          step.kind === 'run'
            ? await runStep(step, server, vars, signal)
            : step.kind === 'upload'
              ? await uploadStep(step, server, vars, signal, deps)
              : await httpStep(step, server, vars, signal, deps);
      } catch (error) {
        outcome = { ok: false, detail: describeError(error) };
      }
      deps.emit({
        type: 'step-finished',
        server: server.name,
        phase,
        step: index,
        label: step.name,
        ok: outcome.ok,
        durationMs: deps.clock.now().getTime() - started,
        ...(outcome.detail ? { detail: outcome.detail } : {}),
      });
      if (!outcome.ok) return { ok: false, step: `${step.name} (${step.source})`, detail: outcome.detail };
    }
    return { ok: true };
  };
}
