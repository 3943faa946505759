// Runs one pipeline phase on one server: `run` steps over SSH (every value quoted by the
// template renderer), `app` steps (the cluster file's restart/reload command of that server),
// `upload` over SFTP with progress, `link` (shared files into the release), `http` smoke checks
// against the server's own address (every field rendered by the same engine; through the
// server's SSH connection with app.smoke.via: ssh). Each step is journaled; the first failure
// stops the phase.
import { pipelineTemplateVars } from '../config/pipeline-vars.ts';
import type { AppStep, Cluster, HttpStep, LinkStep, Pipeline, RunStep, Step, UploadStep } from '../config/types.ts';
import type { Clock } from '../core/clock.ts';
import { isReleaseError } from '../core/errors.ts';
import type { Emit, Phase } from '../events/types.ts';
import type { PhaseResult, RunServer } from '../runner/types.ts';
import { renderArgvList, renderShellTemplate, renderTemplate, type TemplateVars } from '../shell/template.ts';
import type { ExecResult, HostSession, RemoteCommand } from '../transport/types.ts';
import { runHttpCheck, type HttpChecker, type HttpCheckOptions } from '../smoke/http.ts';
import {
  linkDirs,
  linkSharedScript,
  LINK_ESCAPES_EXIT,
  missingLinkedFiles,
  missingSharedFilesScript,
  NO_RELEASE_DIR_EXIT,
  type LinkLayout,
} from './link-shared.ts';

export interface PhaseDeps {
  cluster: Cluster;
  pipeline: Pipeline;
  artifact?: string;
  emit: Emit;
  clock: Clock;
  /** Runs the smoke checks (default runHttpCheck; a dry run reports them instead). */
  httpCheck?: HttpChecker;
}

export type StepOutcome = { ok: true; detail?: string } | { ok: false; detail: string };

/** Runs one remote command as a step; a failure says why in one line (exit status, end of stderr). */
async function execStep(command: RemoteCommand & { timeoutMs: number }, server: Pick<RunServer, 'session'>, signal: AbortSignal): Promise<StepOutcome> {
  const result = await server.session.exec(command, { signal });
  return result.ok ? { ok: true } : describeExec(result, command.timeoutMs);
}

/** A failed command in one line: why it ended, then the end of its stderr. */
function describeExec(result: ExecResult, timeoutMs: number): StepOutcome & { ok: false } {
  const why = result.connectionLost
    ? 'the SSH connection was lost (the outcome is unknown)'
    : result.timedOut
      ? `timed out after ${Math.round(timeoutMs / 1000)}s`
      : result.aborted
        ? 'aborted'
        : `exit ${result.exitCode ?? result.signal}`;
  const stderr = result.stderr.trim().split('\n').slice(-3).join(' | ');
  return { ok: false, detail: `${why}${stderr ? `: ${stderr}` : ''}` };
}

/** A `run` step on a session (a server's, or the controller's for a run-once step). */
export async function runStep(step: RunStep, session: HostSession, vars: TemplateVars, signal: AbortSignal): Promise<StepOutcome> {
  const base = { mutates: true, timeoutMs: step.timeoutMs, label: step.name } as const;
  if (step.cmd !== undefined) {
    // NOTE: never `sudo -n sh -c`: that needs root for anything (validate refuses it too).
    if (step.sudo)
      return { ok: false, detail: 'a shell command (run.cmd) cannot run with sudo: true; use run.argv with sudo: true, or write `sudo -n` inside the command' };
    // Every inserted value is quoted as one word by the renderer.
    return execStep({ script: renderShellTemplate(step.cmd, vars), ...base }, { session }, signal);
  }
  return execStep({ argv: renderArgvList(step.argv, vars), sudo: step.sudo, ...base }, { session }, signal);
}

/** Why the link script failed, from its exit status (the script says more on stderr). */
function linkFailure(layout: LinkLayout, server: RunServer, outcome: StepOutcome & { ok: false }, exitCode: number | null): string {
  if (exitCode === NO_RELEASE_DIR_EXIT)
    return `${linkDirs(layout).releaseDir} does not exist on ${server.name}: put link: shared after the step that unpacks the release`;
  if (exitCode === LINK_ESCAPES_EXIT) return `a directory on the way to a linked path is a symbolic link in the release (${outcome.detail})`;
  return outcome.detail;
}

// Shared files first checked (read-only, so a dry run says it too), never created empty: a missing
// .env is the operator's to put there, once per server.
async function linkStep(step: LinkStep, server: RunServer, release: string, signal: AbortSignal): Promise<StepOutcome> {
  const root = server.config.app.root;
  if (root === undefined) return { ok: false, detail: `app.root is not set for ${server.name}: link: shared links into {{root}}/releases` };
  const layout: LinkLayout = { root, release, dirs: step.dirs, files: step.files };
  const check = missingSharedFilesScript(layout);
  if (check) {
    const result = await server.session.exec({ script: check.text, mutates: false, timeoutMs: step.timeoutMs, label: `${step.name}: check` }, { signal });
    if (!result.ok) return describeExec(result, step.timeoutMs);
    const missing = missingLinkedFiles(layout, result.stdout);
    if (missing.length > 0) {
      const { sharedDir } = linkDirs(layout);
      const where = missing.map((file) => `${sharedDir}/${file}`).join(', ');
      const first = `${sharedDir}/${missing[0]}`;
      const login = `${server.config.ssh.user}@${server.config.host}`;
      return {
        ok: false,
        detail: `linked file${missing.length > 1 ? 's' : ''} missing on ${server.name}: ${where} (linkedFiles). Create ${missing.length > 1 ? 'them' : 'it'} once on every server before releasing, e.g. scp ${missing[0]} ${login}:${first}; a release never creates an empty one`,
      };
    }
  }
  const script = linkSharedScript(layout).text;
  const result = await server.session.exec({ script, mutates: true, timeoutMs: step.timeoutMs, label: step.name }, { signal });
  if (result.ok) return { ok: true, detail: `${step.dirs.length + step.files.length} path(s) linked to ${linkDirs(layout).sharedDir}` };
  const failed = describeExec(result, step.timeoutMs);
  return { ok: false, detail: linkFailure(layout, server, failed, result.exitCode) };
}

// The operator's own command from the cluster file (app.restart / app.reload, per server): trusted
// and run as written, never templated; validate makes sure every server has it.
async function appStep(step: AppStep, server: RunServer, signal: AbortSignal): Promise<StepOutcome> {
  const command = server.config.app[step.action];
  if (command === undefined) return { ok: false, detail: `app.${step.action} is not set for ${server.name} in the cluster file` };
  return execStep({ script: command, mutates: true, timeoutMs: step.timeoutMs, label: step.name }, server, signal);
}

async function uploadStep(step: UploadStep, server: RunServer, vars: TemplateVars, signal: AbortSignal, deps: PhaseDeps): Promise<StepOutcome> {
  const localPath = renderTemplate(step.from, vars);
  const remotePath = renderTemplate(step.to, vars);
  let lastPercent = -1;
  const result = await server.session.upload({
    localPath,
    remotePath,
    mode: step.mode,
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
  const options: HttpCheckOptions = {
    check: {
      path: step.path,
      method: step.method,
      expect: step.expect,
      host: step.host,
      timeoutMs: step.timeoutMs,
      retries: step.retries,
      intervalMs: step.intervalMs,
    },
    baseUrl: `${smoke.scheme}://${address}:${smoke.port}`,
    hostHeader: smoke.host,
    // NOTE: the controller may not reach the server (a jump host, a private network): the check
    // then goes through the server's own SSH connection to its address:port, as the server sees it.
    ...(smoke.via === 'ssh'
      ? { tunnel: (host: string, port: number, tunnelSignal?: AbortSignal) => server.session.forward(host, port, { signal: tunnelSignal }) }
      : {}),
    emit: deps.emit,
    server: server.name,
    signal,
    vars,
  };
  const result = await (deps.httpCheck ?? runHttpCheck)(options);
  return result.ok ? { ok: true, detail: `${result.status}` } : { ok: false, detail: result.detail };
}

function describeError(error: unknown): string {
  if (isReleaseError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Builds the PhaseRunner the flow uses. */
export function createPhaseRunner(deps: PhaseDeps) {
  return async (
    phase: Phase,
    server: RunServer,
    release: { release: string; previous: string | null },
    signal: AbortSignal,
    watch: { onStepDone?(step: number): void } = {},
  ): Promise<PhaseResult> => {
    const steps: Step[] = deps.pipeline.phases[phase];
    const vars = pipelineTemplateVars({
      cluster: deps.cluster,
      pipeline: deps.pipeline,
      server: server.config,
      release: release.release,
      previous: release.previous ?? undefined,
      artifact: deps.artifact,
    });
    for (const [index, step] of steps.entries()) {
      const started = deps.clock.now().getTime();
      deps.emit({ type: 'step-started', server: server.name, phase, step: index, label: step.name });
      let outcome: StepOutcome;
      try {
        outcome =
          step.kind === 'run'
            ? await runStep(step, server.session, vars, signal)
            : step.kind === 'app'
              ? await appStep(step, server, signal)
              : step.kind === 'upload'
                ? await uploadStep(step, server, vars, signal, deps)
                : step.kind === 'link'
                  ? await linkStep(step, server, release.release, signal)
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
        detail: outcome.detail,
      });
      if (!outcome.ok) return { ok: false, step: `${step.name} (${step.source})`, detail: outcome.detail };
      watch.onStepDone?.(index);
    }
    return { ok: true };
  };
}
