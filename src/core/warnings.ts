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
  JOURNAL_FROM_DIRECTOR: "the run started from the journal's copy on a director (this machine's journal was older or empty)",
  JOURNAL_NOT_SYNCED:
    "the local journal could not be synced to the disk (fsync failed): the run went on; a crash of this machine may lose its last lines (the directors' copy remains)",
  PEAK_WINDOW: 'a peak window opened: the run stops before the next batch',
  CLEANUP_FAILED: 'the cleanup phase failed on a server that is released and back in the pool',
  ROLLBACK_NO_ROOM: 'servers stuck out of the pool leave no room in the batch budget to roll others back',
  ROLLBACK_TARGET_MISSING: 'the release to roll back to is not on a server; nothing was rolled back',
  DRY_RUN_WAIT: 'dry run: the drain wait is not run; the connections it would wait for are reported',
  HOST_CHECK_SKIPPED: "a real server's or director's network check could not read what it needs (ip, /proc/sys): it was skipped, not passed",
  HARD_CUT: 'keepalived deleted a destination (no inhibit_on_failure; drain.allowHardCut): its live connections were cut, and are counted',
  HEALTHFILE_UNCHECKED:
    'nothing shows that the health-file drain will take a server out on a director (no real_server for it, no check of the file, no keepalived.conf read)',
  KEEPALIVED_DRIFT: "the directors' keepalived.conf differ in what changes load balancing (doctor's pair comparison)",
  KEEPALIVED_CONFIG: 'a keepalived.conf has errors keepalived itself reports (it keeps running with a misparsed file)',
  KEEPALIVED_UNREADABLE: 'a keepalived.conf could not be read, so its checks were skipped',
  QUORUM_SORRY_SERVER: "draining a server takes keepalived's live weight below quorum: the VIP would switch to the sorry server",
  AFTER_FAILED: "the pipeline's after phase failed once the release was back in the pool; the release stands (no rollback unless after.onFailure: rollback)",
  WINDOW_WOULD_REFUSE: 'plan/dry run only: a peak window, freeze or guard would refuse a real run now (details: blockers, nextAllowed)',
} as const;

export type WarningCode = keyof typeof WARNING_CODES;
