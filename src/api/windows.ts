// `windows()`: may a release start at an instant? The decision as a JSON-safe document (the
// `release windows --json` output), also what a plan inside a window reports.
import type { Cluster } from '../config/types.ts';
import { OUTPUT_SCHEMA_VERSION } from '../events/version.ts';
import { evaluateWindows } from '../windows/evaluate.ts';
import { formatUtc } from '../windows/local-time.ts';
import { windowRefusalError } from '../windows/format.ts';
import { TRIGGERS, type Trigger } from '../windows/types.ts';
import { loadConfig } from './config.ts';
import { edgesOf } from './edges.ts';
import type { CommonOptions } from './options.ts';

/** One window, freeze or guard that refuses a start. Instants are ISO-8601 UTC; `*Local` in the policy's zone. */
export interface WindowBlocker {
  kind: 'window' | 'freeze' | 'guard';
  /** The window's name, or the freeze's reason. */
  name: string;
  rule: string;
  start: string;
  end: string;
  startLocal: string;
  endLocal: string;
}

/** The answer for one instant and trigger. */
export interface WindowVerdict {
  at: string;
  trigger: Trigger;
  /** The policy's zone; null when the cluster has no peak windows or freezes. */
  timezone: string | null;
  allowed: boolean;
  blockers: WindowBlocker[];
  /** The first instant at or after `at` when a start is allowed (`at` itself when allowed); null when none was found. */
  nextAllowed: string | null;
  /** Allowed now: the next window or freeze ahead (starts are refused from `guardFrom`); null when none. */
  nextBlock: { name: string; rule: string; source: 'window' | 'freeze'; start: string; end: string; guardFrom: string } | null;
  /** Refused: the error a real start raises (`PEAK_WINDOW` or `FREEZE`), its message and hint. */
  refusal: { code: string; message: string; hint: string | null } | null;
}

export interface WindowsDocument extends WindowVerdict {
  schemaVersion: typeof OUTPUT_SCHEMA_VERSION;
  command: 'windows';
  cluster: string;
}

export interface WindowsOptions extends CommonOptions {
  /** The instant (default: now). */
  at?: Date;
  /** How the release would be started (default: `ci` when env.CI is set, else `manual`). */
  trigger?: Trigger;
}

/** `--trigger`, else ci when CI is set, else manual. */
export function resolveTrigger(explicit: string | undefined, env: NodeJS.ProcessEnv): Trigger {
  const given = TRIGGERS.find((t) => t === explicit);
  if (given) return given;
  return env.CI && env.CI !== 'false' && env.CI !== '0' ? 'ci' : 'manual';
}

/** The verdict for `cluster` at `at`, as data. */
export function windowVerdict(cluster: Cluster, at: Date, trigger: Trigger): WindowVerdict {
  const policy = cluster.peakWindows;
  const base = { at: formatUtc(at), trigger };
  if (!policy) return { ...base, timezone: null, allowed: true, blockers: [], nextAllowed: base.at, nextBlock: null, refusal: null };
  const decision = evaluateWindows(policy, { at, trigger });
  if (decision.allowed) {
    const next = decision.nextBlock;
    return {
      ...base,
      timezone: decision.timezone,
      allowed: true,
      blockers: [],
      nextAllowed: base.at,
      nextBlock: next
        ? { name: next.name, rule: next.rule, source: next.source, start: next.startUtc, end: next.endUtc, guardFrom: formatUtc(next.guardFrom) }
        : null,
      refusal: null,
    };
  }
  const error = windowRefusalError(decision, policy);
  return {
    ...base,
    timezone: decision.timezone,
    allowed: false,
    blockers: decision.blockers.map((b) => ({
      kind: b.kind,
      name: b.name,
      rule: b.rule,
      start: b.startUtc,
      end: b.endUtc,
      startLocal: b.startLocal,
      endLocal: b.endLocal,
    })),
    nextAllowed: decision.nextAllowed === null ? null : formatUtc(decision.nextAllowed),
    nextBlock: null,
    refusal: { code: error.code, message: error.message, hint: error.hint ?? null },
  };
}

/** May a release start at `options.at`? Rejects with CONFIG_INVALID (exit 2) when the cluster file is not valid. */
export async function windows(options: WindowsOptions = {}): Promise<WindowsDocument> {
  const edges = edgesOf(options);
  const { cluster } = await loadConfig({ ...options, ...edges });
  const trigger = options.trigger ?? resolveTrigger(undefined, edges.env);
  return {
    schemaVersion: OUTPUT_SCHEMA_VERSION,
    command: 'windows',
    cluster: cluster.name,
    ...windowVerdict(cluster, options.at ?? edges.clock.now(), trigger),
  };
}
