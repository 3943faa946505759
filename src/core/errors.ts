// One error type for everything a user can see. Only the CLI entry maps codes to exit statuses.

/** Exit statuses, as documented in SPEC.md ("Exit codes"). A contract for users' scripts. */
export const EXIT = {
  ok: 0,
  failedRolledBack: 1,
  usage: 2,
  refused: 3,
  rollbackFailed: 4,
  interrupted: 130,
} as const;
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** Every error code the tool can raise, and the exit status it maps to. */
export const ERROR_CODES = {
  USAGE: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  TEMPLATE_UNSAFE: EXIT.usage,
  PEAK_WINDOW: EXIT.refused,
  FREEZE: EXIT.refused,
  LOCK_HELD: EXIT.refused,
  LOCK_STALE: EXIT.refused,
  /** The lock could not be taken for another reason than a holder (no permission, a director down). */
  LOCK_FAILED: EXIT.refused,
  /** A run left servers out of the pool and never put them back: only recover may start. */
  SERVERS_OWED: EXIT.refused,
  PREFLIGHT_FAILED: EXIT.refused,
  HOST_KEY_UNKNOWN: EXIT.refused,
  HOST_KEY_CHANGED: EXIT.refused,
  SSH_CONNECT_FAILED: EXIT.refused,
  RELEASE_FAILED: EXIT.failedRolledBack,
  ROLLBACK_FAILED: EXIT.rollbackFailed,
  INTERRUPTED: EXIT.interrupted,
  INTERNAL: EXIT.failedRolledBack,
} as const satisfies Record<string, ExitStatus>;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface ReleaseErrorOptions {
  /** How to fix it, in one sentence the user can act on. */
  hint?: string;
  /** Structured facts (host, vip, file, line...). Never secrets. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An expected failure with a code, a message naming the host/VIP/file, and a hint. */
export class ReleaseError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ReleaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ReleaseError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  get exitStatus(): ExitStatus {
    return ERROR_CODES[this.code];
  }
}

export function isReleaseError(error: unknown): error is ReleaseError {
  return error instanceof ReleaseError;
}

/** The exit status for anything thrown: a ReleaseError's own, else 1 (a bug, reported as such). */
export function exitStatusOf(error: unknown): ExitStatus {
  return isReleaseError(error) ? error.exitStatus : EXIT.failedRolledBack;
}

/** "✖ CODE message" plus the hint on its own line: how every error reaches a person. */
export function formatError(error: unknown): string {
  if (isReleaseError(error)) {
    return `✖ ${error.code} ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `✖ INTERNAL ${message}\n  hint: this is a bug in lvs-release; please report it with the output above.`;
}
