// The programmatic API (`import … from 'lvs-release'`): what the CLI itself is built on. Every
// function takes one options object (`config` path or loaded config, `cwd`, `env`, `signal`,
// `onEvent` …), never writes to stdout and never exits. Runs (release, plan, rollback, recover)
// resolve to a result with the exit status, the outcome and the report, also when refused;
// queries (status, doctor, history, windows) resolve to the document `--json` prints.

export { release, plan, defaultReleaseId, type ReleaseOptions, type ReleaseResult } from './api/release.ts';
export { rollback, recover, type RollbackOptions } from './api/rollback.ts';
export { promote, resume, abort, type ContinueOptions } from './api/continue.ts';
export { validate, type ValidateDocument, type ValidateResult } from './api/validate.ts';
export { status, type StatusDocument, type StatusServer } from './api/status.ts';
export { doctor, type DoctorDocument } from './api/doctor.ts';
export { history, type HistoryDocument, type HistoryRelease, type HistoryRun, type HistoryServer } from './api/history.ts';
export { windows, resolveTrigger, type WindowBlocker, type WindowsDocument, type WindowsOptions, type WindowVerdict } from './api/windows.ts';
export { resolveConfigPath, DEFAULT_CONFIG, type ConfigSource } from './api/config.ts';
export type { CommonOptions, LoadedConfig, RunOptions } from './api/options.ts';
export type { RunApiResult } from './api/result.ts';
export type { ResumeState } from './runner/run.ts';

// Events, the error event, the report and the plan: the shapes --json and --report print (docs/OUTPUT.md).
export type { EventOf, EventType, Phase, ReleaseEvent, RunOutcome, ServerOutcome, ServerResult, DirectorWeight, SavedSlotRecord } from './events/types.ts';
export type { ErrorEvent } from './events/error-event.ts';
export { OUTPUT_SCHEMA_VERSION } from './events/version.ts';
export { REPORT_VERSION, type RunReport } from './ui/report.ts';
export type { BatchSummary, RunSummary, ServerSummary, WarningSummary } from './ui/summary.ts';
export type { BatchSpec, Plan, PlanBatch, PlanBlocked, SkippedServer } from './plan/types.ts';
export type { Finding, FindingLevel, FindingSubject } from './doctor/types.ts';
export { EXIT_BY_OUTCOME, exitStatusFor, type RunKind } from './runner/exit-status.ts';
export { WARNING_CODES, type WarningCode } from './core/warnings.ts';
export type { Clock } from './core/clock.ts';

// The configuration side: load and validate a cluster file and its pipeline, the editor schemas.
export { loadCluster, type ConfigFs, type LoadOptions, type LoadResult } from './config/load.ts';
export { formatProblem, formatProblems, type ConfigProblem, type PathSegment } from './config/problems.ts';
export type * from './config/types.ts';
export { buildJsonSchema, schemaUrl, SCHEMA_KINDS, type SchemaKind } from './config/json-schema.ts';
export { EXIT, ERROR_CODES, ReleaseError, isReleaseError, type ErrorCode, type ExitStatus } from './core/errors.ts';
export { TRIGGERS, type Trigger } from './windows/types.ts';
export { VERSION } from './version.ts';
