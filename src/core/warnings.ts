// Every warning a run can record, with what it means: the catalogue beside ERROR_CODES. A
// warning never changes the exit status; it names something an operator should know.

export const WARNING_CODES = {
  DIRECTORS_DISAGREE: 'the directors list a server with different weights',
  PERSISTENCE: 'a persistent service keeps returning clients on a weight-0 server until their template expires',
  HASH_NO_FALLBACK: 'an sh/mh service without the fallback flag gives clients hashed to a drained server no destination',
  KEEPALIVED_MANAGED: 'keepalived manages this pool; a health-check flip can undo an ipvsadm drain',
  LOCK_HELD: 'the cluster lock is held by another run (plan/dry run only: a real run would be refused)',
  LOCK_BROKEN: 'a stale cluster lock was broken, as asked with --break-lock',
  LOCK_TAKEN_OVER: 'recover took over a lock whose holder ran on this host and is gone',
  JOURNAL_FROM_DIRECTOR: "recover started from the journal's copy on a director",
  PEAK_WINDOW: 'a peak window opened: the run stops before the next batch',
  CLEANUP_FAILED: 'the cleanup phase failed on a server that is released and back in the pool',
  ROLLBACK_NO_ROOM: 'servers stuck out of the pool leave no room in the batch budget to roll others back',
  ROLLBACK_TARGET_MISSING: 'the release to roll back to is not on a server; nothing was rolled back',
  DRY_RUN_WAIT: 'dry run: the drain wait is not run; the connections it would wait for are reported',
} as const;

export type WarningCode = keyof typeof WARNING_CODES;
