// The one entry point for output: picks the mode (TTY tree, CI log, NDJSON), redacts, and ends with a summary.

import type { ReleaseEvent } from '../events/types.ts';
import { createJsonSink } from './json.ts';
import { createListrSink } from './listr.ts';
import { createPlainSink } from './plain.ts';
import { createRedactor, redactDeep, type Redact } from './redact.ts';
import { buildReport, type RunReport } from './report.ts';
import { createSummaryBuilder, formatSummaryTable, type RunSummary } from './summary.ts';
import { stripControl } from './sanitize.ts';
import type { EventSink, OutputStream } from './sink.ts';

export type ReporterMode = 'auto' | 'tty' | 'plain' | 'json';
export type ResolvedMode = Exclude<ReporterMode, 'auto'>;

export interface ReporterOptions {
  mode: ReporterMode;
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  /** Values never to print (passphrases, tokens); key blocks and URL passwords are masked regardless. */
  secrets: readonly string[];
  /** Print the summary table to stdout on close (tty and plain modes). Default true. */
  summary?: boolean;
  /** Plain mode: also log read-only commands. Default false. */
  verbose?: boolean;
}

export interface Reporter {
  readonly mode: ResolvedMode;
  emit(event: ReleaseEvent): void;
  /** Flushes, stops the TTY tree, prints the summary (unless json); call once, after the last event. */
  close(): Promise<void>;
  /** The same redactor the outputs use: run error messages through it before printing them. */
  redact: Redact;
  /** The run so far, folded from every event emitted. */
  summary(): RunSummary;
  /** The `--report` document, redacted. */
  report(): RunReport;
}

/** CI systems set `CI`; a few well-known ones are also recognised by their own variable. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') return true;
  return ['CONTINUOUS_INTEGRATION', 'BUILD_NUMBER', 'GITHUB_ACTIONS', 'GITLAB_CI', 'JENKINS_URL', 'BUILDKITE', 'TEAMCITY_VERSION'].some(
    (name) => (env[name] ?? '') !== '',
  );
}

/** `NO_COLOR` (any non-empty value) turns colour off; `FORCE_COLOR=0|false` too; a dumb terminal has none. */
export function isColorEnabled(env: NodeJS.ProcessEnv): boolean {
  if ((env.NO_COLOR ?? '') !== '') return false;
  const force = env.FORCE_COLOR;
  if (force === '0' || force === 'false') return false;
  return env.TERM !== 'dumb';
}

/** `auto` means the tree on an interactive terminal outside CI, else the plain log; `tty` needs a TTY too. */
export function resolveMode(mode: ReporterMode, stdout: OutputStream, env: NodeJS.ProcessEnv): ResolvedMode {
  if (mode === 'json' || mode === 'plain') return mode;
  const interactive = stdout.isTTY === true && env.TERM !== 'dumb';
  if (mode === 'tty') return interactive ? 'tty' : 'plain';
  return interactive && !isCi(env) ? 'tty' : 'plain';
}

function createSink(mode: ResolvedMode, options: ReporterOptions, redact: Redact): EventSink {
  switch (mode) {
    case 'json':
      return createJsonSink({ stream: options.stdout, redact });
    case 'plain':
      return createPlainSink({ stream: options.stdout, redact, verbose: options.verbose ?? false });
    case 'tty':
      return createListrSink({ stdout: options.stdout, stderr: options.stderr, redact, color: isColorEnabled(options.env) });
  }
}

export function createReporter(options: ReporterOptions): Reporter {
  const mode = resolveMode(options.mode, options.stdout, options.env);
  const redact = createRedactor(options.secrets);
  const sink = createSink(mode, options, redact);
  const builder = createSummaryBuilder();
  let sawRun = false;
  let closing: Promise<void> | undefined;

  const emit = (event: ReleaseEvent): void => {
    if (closing !== undefined) return;
    if (event.type === 'run-started') sawRun = true;
    builder.add(event);
    sink.emit(event);
  };

  const close = (): Promise<void> => {
    closing ??= (async () => {
      await sink.close();
      const summary = builder.result();
      if (mode !== 'json' && (options.summary ?? true) && sawRun && !summary.dryRun) {
        options.stdout.write(`\n${redact(stripControl(formatSummaryTable(summary)))}\n`);
      }
    })();
    return closing;
  };

  return {
    mode,
    emit,
    close,
    redact,
    summary: () => redactDeep(builder.result(), redact),
    report: () => redactDeep(buildReport(builder.result()), redact),
  };
}
