// One result shape for every run the API starts, whether it released, rolled back, paused or was
// refused: the exit status the CLI would end with, the outcome, the run's id and its report.
import { isReleaseError, type ReleaseError } from '../core/errors.ts';
import type { ReleaseEvent, RunOutcome } from '../events/types.ts';
import { buildReport, type RunReport } from '../ui/report.ts';
import { redactDeep, type Redact } from '../ui/redact.ts';
import { createSummaryBuilder } from '../ui/summary.ts';

export interface RunApiResult {
  /** What `release` would exit with: see README "Exit status by outcome" (and 2/3 for errors before a run). */
  exitCode: number;
  /** The run's outcome; `refused` also for a refusal before any run started; null when nothing ran (a usage or config error). */
  outcome: RunOutcome | null;
  /** The run's id (null when no run started). */
  runId: string | null;
  /** The `--report` document of the run (null when no run started). */
  report: RunReport | null;
  /** Why the command ended with an error (refusal, usage, config): the same error the CLI prints; null otherwise. */
  error: ReleaseError | null;
}

export interface RunRecorder {
  /** Feeds the report, then the caller's hook. */
  emit(event: ReleaseEvent): void;
  ended(exitCode: number): RunApiResult;
  failed(error: ReleaseError): RunApiResult;
}

export function createRunRecorder(redact: Redact, onEvent?: (event: ReleaseEvent) => void): RunRecorder {
  const builder = createSummaryBuilder();
  let runId: string | null = null;
  const report = () => (runId === null ? null : redactDeep(buildReport(builder.result()), redact));
  const outcome = (): RunOutcome | null => {
    const seen = builder.result().outcome;
    return runId === null || seen === 'unfinished' ? null : seen;
  };
  return {
    emit(event) {
      if (event.type === 'run-started') runId = event.runId;
      builder.add(event);
      onEvent?.(event);
    },
    ended: (exitCode) => ({ exitCode, outcome: outcome(), runId, report: report(), error: null }),
    failed: (error) => ({
      exitCode: error.exitStatus,
      outcome: outcome() ?? (error.exitStatus === 3 ? 'refused' : null),
      runId,
      report: report(),
      error,
    }),
  };
}

/** Runs `body`; an expected error (a ReleaseError) becomes the result, anything else (a bug) is thrown. */
export async function settleRun<R extends RunApiResult>(recorder: RunRecorder, body: () => Promise<R>, extra: () => Omit<R, keyof RunApiResult>): Promise<R> {
  try {
    return await body();
  } catch (error) {
    if (!isReleaseError(error)) throw error;
    return { ...recorder.failed(error), ...extra() } as R;
  }
}
