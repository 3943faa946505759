// The `error` event: what `--json` puts on stdout when a command ends with an error (a refusal,
// a config or usage error, a bug), so a script reading stdout alone learns why and the exit
// status. Written by the CLI entry only, as the last line; not part of a run's journal.
import { isReleaseError, type ErrorCode } from '../core/errors.ts';
import { OUTPUT_SCHEMA_VERSION } from './version.ts';

export interface ErrorEvent {
  schemaVersion: typeof OUTPUT_SCHEMA_VERSION;
  type: 'error';
  /** ISO-8601 UTC instant. */
  at: string;
  /** A key of ERROR_CODES (`USAGE`, `CONFIG_INVALID`, `PEAK_WINDOW` …); `INTERNAL` for a bug. */
  code: ErrorCode;
  message: string;
  /** How to fix it; null when there is nothing to add. */
  hint: string | null;
  /** Structured facts (problems of the config, blockers of a window, hosts …); never secrets. */
  details: Record<string, unknown>;
  /** The exit status the command ends with. */
  exitCode: number;
}

/** The event for anything thrown: a ReleaseError as it is, a usage error of the parser as USAGE, anything else as INTERNAL. */
export function buildErrorEvent(error: unknown, exitCode: number, at: Date): ErrorEvent {
  const event = (code: ErrorCode, message: string, hint: string | null, details: Record<string, unknown>): ErrorEvent => ({
    schemaVersion: OUTPUT_SCHEMA_VERSION,
    type: 'error',
    code,
    message,
    hint,
    details,
    exitCode,
    at: at.toISOString(),
  });
  if (isReleaseError(error)) return event(error.code, error.message, error.hint ?? null, error.details);
  const message = error instanceof Error ? error.message : String(error);
  const parserCode = (error as { code?: unknown }).code;
  if (typeof parserCode === 'string' && parserCode.startsWith('commander.')) {
    return event('USAGE', message.replace(/^error: /, ''), '`release help` lists the commands; `release help <command>` the options of one.', { parserCode });
  }
  return event('INTERNAL', message, 'this is a bug in lvs-release; please report it with the output above.', {});
}
