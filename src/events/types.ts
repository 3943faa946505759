// Every event of a run: one discriminated union feeds the UI, the CI log, --json, the audit
// log and the crash journal. `replay(events)` (src/journal/replay.ts) rebuilds state from them.
import type { WarningCode } from '../core/warnings.ts';
import type { Destination, ServiceKey } from '../ipvs/model.ts';
import type { Plan } from '../plan/types.ts';

export type Phase = 'prepare' | 'deploy' | 'verify' | 'rollback' | 'cleanup';
/** The run-once phases around the rolling part (pipeline `before` and `after`). */
export type OncePhaseName = 'before' | 'after';
export type ServerOutcome = 'released' | 'rolled-back' | 'rollback-failed' | 'skipped' | 'unchanged' | 'interrupted' | 'restored' | 'restore-failed';
export type RunOutcome = 'released' | 'rolled-back' | 'rollback-failed' | 'refused' | 'paused' | 'interrupted' | 'dry-run';

/** A weight as read from (or written to) one director for one service. */
export interface DirectorWeight {
  director: string;
  /** Service as ipvsadm shows it, e.g. 'TCP 127.0.0.1:8080'. */
  service: string;
  /** null: the destination is absent from that director's table. */
  weight: number | null;
}

/** A destination as read before draining: exactly what restore puts back (JSON-safe). */
export interface SavedSlotRecord {
  director: string;
  service: ServiceKey;
  label: string;
  dest: Pick<
    Destination,
    'family' | 'address' | 'port' | 'forward' | 'weight' | 'upperThreshold' | 'lowerThreshold' | 'tunnelType' | 'tunnelPort' | 'tunnelChecksum'
  >;
}

/** A host's network checks (src/hosts): what was checked, and what could not be read (skipped, not passed). */
export interface HostCheckRecord {
  host: string;
  role: 'server' | 'director';
  checked: string[];
  skipped?: string[];
}

export interface EventBase {
  /** ISO-8601 UTC instant. */
  at: string;
  runId: string;
}

export type ReleaseEvent = EventBase &
  (
    | {
        type: 'run-started';
        cluster: string;
        release: string;
        command: 'release' | 'rollback' | 'recover' | 'resume' | 'promote' | 'abort';
        trigger: string;
        /** Set on the events of a dry run (plan / --dry-run) by its event decorator; absent otherwise. */
        dryRun?: boolean;
        forcedWindow?: { reason: string; blockers: string[] };
        user: string;
        host: string;
        pid: number;
        ciJob?: string;
        /** The CI job's page (GitLab CI_JOB_URL, the GitHub run, Jenkins BUILD_URL). */
        ciJobUrl?: string;
        /** What `promote`/`resume` need to continue: the local artifact and the batch sizes. */
        artifact?: string;
        /** The artifact's sha256 (hex) and size in bytes: promote/resume on another machine check theirs against it. */
        artifactSha256?: string;
        artifactSize?: number;
        batch?: string;
        canary?: number;
        /** The run this one continues (promote, resume, abort). */
        continues?: string;
        /** rollback/abort: the release each server is to end on. */
        targets?: Record<string, string>;
        /** recover: it started from the essentials copy on this director (this machine's journal
         * was older or empty), whose state (a journal SerializedState) this journal adopts. */
        adopted?: { from: string; state: unknown };
      }
    | { type: 'plan'; plan: Plan }
    | {
        type: 'warning';
        code: WarningCode;
        message: string;
        server?: string;
        director?: string;
        /** Structured facts for scripts (e.g. WINDOW_WOULD_REFUSE: the blockers and the next allowed start). */
        details?: Record<string, unknown>;
      }
    | {
        type: 'preflight';
        servers: { name: string; inPool: boolean; reason?: string; release?: string }[];
        /** The network checks preflight ran (src/hosts): per host, what was checked and what could not be read. */
        hosts?: HostCheckRecord[];
      }
    | ({ type: 'host-check'; stage: 'verify' | 'rollback' | 'vip-path'; ok: boolean; problems?: string[] } & HostCheckRecord)
    | { type: 'batch-started'; index: number; servers: string[]; purpose: 'release' | 'rollback' }
    | { type: 'step-started'; server: string; phase: Phase; step: number; label: string }
    | {
        type: 'step-finished';
        server: string;
        phase: Phase;
        step: number;
        label: string;
        ok: boolean;
        durationMs: number;
        detail?: string;
      }
    | { type: 'upload-progress'; server: string; sent: number; total: number }
    | { type: 'command'; host: string; command: string; mutates: boolean; dryRun: boolean }
    | {
        type: 'director-action';
        stage: 'intent' | 'done' | 'failed';
        server: string;
        director: string;
        service: string;
        action: 'quiesce' | 'delete' | 'add' | 'edit' | 'healthfile-down' | 'healthfile-up';
        weightBefore: number | null;
        weightAfter: number | null;
        /** Forwarding method flag as re-sent (-g/-m/-i). */
        forward?: string;
        connections?: number;
        detail?: string;
      }
    | { type: 'server-draining'; server: string; method: string; purpose: 'release' | 'rollback'; saved: SavedSlotRecord[] }
    | { type: 'connections'; server: string; count: number; persist: number; remainingMs: number; settledMs: number }
    | {
        type: 'server-drained';
        server: string;
        drainMs: number;
        connections: number;
        timedOut: boolean;
        /** Live connections keepalived cut by deleting the destination (healthfile without inhibit_on_failure, drain.allowHardCut). */
        hardCut?: number;
      }
    | { type: 'release-switch'; stage: 'intent' | 'done'; server: string; from: string | null; to: string }
    | { type: 'smoke'; server: string; ok: boolean; attempt: number; url: string; status?: number; detail?: string }
    | { type: 'retry'; server?: string; what: string; attempt: number; delayMs: number; error: string }
    | { type: 'server-restored'; server: string; weights: DirectorWeight[]; outOfPoolMs: number }
    | { type: 'marked-bad'; server: string; release: string }
    | {
        type: 'server-finished';
        server: string;
        outcome: ServerOutcome;
        releaseBefore: string | null;
        releaseAfter: string | null;
        outOfPoolMs: number;
        drainMs: number;
        failedStep?: string;
        error?: string;
      }
    | { type: 'batch-finished'; index: number; ok: boolean }
    | { type: 'once-started'; phase: OncePhaseName; release: string; on: string; steps: number }
    | { type: 'once-step-started'; phase: OncePhaseName; on: string; step: number; label: string }
    | { type: 'once-step-finished'; phase: OncePhaseName; on: string; step: number; label: string; ok: boolean; durationMs: number; detail?: string }
    | {
        type: 'once-finished';
        phase: OncePhaseName;
        /** The release it ran for: resume and promote skip a `before` this release already finished. */
        release: string;
        /** The server it ran on, or `controller` (the machine running release). */
        on: string;
        ok: boolean;
        durationMs: number;
        /** It did not run, and why (e.g. `before` already ran for this release in an earlier run). */
        skipped?: string;
        failedStep?: string;
        detail?: string;
      }
    | { type: 'paused'; reason: 'canary' | 'window' | 'interrupt'; resumeWith: string; nextBatch: number; ciJob?: string; ciJobUrl?: string }
    | { type: 'run-finished'; outcome: RunOutcome; exitCode: number; message?: string }
  );

export type EventType = ReleaseEvent['type'];
export type EventOf<T extends EventType> = Extract<ReleaseEvent, { type: T }>;

/** Distributes an event type over the union so callers can build events without `at`/`runId`. */
export type EventInput = ReleaseEvent extends infer E ? (E extends ReleaseEvent ? Omit<E, 'at' | 'runId'> : never) : never;

export type Emit = (event: EventInput) => void;

/** One server's result in a run: the `server-finished` event is the source of this shape. */
export type ServerResult = Omit<EventOf<'server-finished'>, 'type' | 'at' | 'runId'>;
