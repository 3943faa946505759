// The `--report FILE` document: the run summary as versioned JSON that CI scripts can rely on.

import type { RunSummary } from './summary.ts';

export const REPORT_VERSION = 1;

/** Bump `version` on any change that is not an added field. Durations are milliseconds, instants ISO-8601 UTC. */
export type RunReport = { version: typeof REPORT_VERSION } & RunSummary;

/** A JSON-safe copy of the summary under `version: 1` (redact it before writing: see `Reporter.report()`). */
export function buildReport(summary: RunSummary): RunReport {
  return { version: REPORT_VERSION, ...(structuredClone(summary) as RunSummary) };
}
