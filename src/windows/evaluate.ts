// May a release start at this instant? Pure: the instant, the trigger and the policy are inputs.

import { ReleaseError } from '../core/errors.ts';
import type { Blocker, NextBlock, Occurrence, OccurrenceView, WindowDecision } from './decision.ts';
import { formatLocal, formatUtc, isValidZone } from './local-time.ts';
import { freezeOccurrence, appliesTo, listOccurrences } from './occurrences.ts';
import type { PeakWindowsPolicy, Trigger } from './types.ts';

/** How far ahead `nextAllowed` is searched (further when a freeze ends later). */
export const SEARCH_HORIZON_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface EvaluateOptions {
  at: Date;
  trigger: Trigger;
  /** Defaults to SEARCH_HORIZON_DAYS. */
  horizonDays?: number;
}

function assertZone(zone: string): void {
  if (!isValidZone(zone)) {
    throw new ReleaseError('CONFIG_INVALID', `Unknown time zone "${zone}" in peakWindows.timezone.`, {
      hint: 'Use an IANA zone name such as Asia/Shanghai or Europe/Berlin.',
    });
  }
}

/** An occurrence with its boundaries formatted in `zone` and in UTC. */
export function viewOccurrence(zone: string, occurrence: Occurrence): OccurrenceView {
  return {
    ...occurrence,
    timezone: zone,
    startLocal: formatLocal(zone, occurrence.start),
    endLocal: formatLocal(zone, occurrence.end),
    startUtc: formatUtc(occurrence.start),
    endUtc: formatUtc(occurrence.end),
  };
}

function isInside(occurrence: Occurrence, at: number): boolean {
  return occurrence.start.getTime() <= at && at < occurrence.end.getTime();
}

// The guard is strict on both sides: a start exactly `guardMs` away, or at `at` itself, is not a guard.
function isGuarded(occurrence: Occurrence, at: number, guardMs: number): boolean {
  const start = occurrence.start.getTime();
  return start > at && start - at < guardMs;
}

function blockersAt(zone: string, occurrences: readonly Occurrence[], at: number, guardMs: number): Blocker[] {
  const inside = occurrences
    .filter((o) => isInside(o, at))
    .sort((a, b) => (a.source === b.source ? 0 : a.source === 'freeze' ? -1 : 1) || a.start.getTime() - b.start.getTime());
  const guards = occurrences.filter((o) => isGuarded(o, at, guardMs));
  return [
    ...inside.map((o): Blocker => ({ ...viewOccurrence(zone, o), kind: o.source })),
    ...guards.map((o): Blocker => ({ ...viewOccurrence(zone, o), kind: 'guard', startsInMs: o.start.getTime() - at })),
  ];
}

// Every blocked stretch is [start, end) widened by the guard to (start - guard, end), so the first
// allowed instant is `at` or the end of some occurrence: jump from end to end until nothing blocks.
function findNextAllowed(occurrences: readonly Occurrence[], at: number, guardMs: number, until: number): number | null {
  let t = at;
  for (;;) {
    const blocking = occurrences.filter((o) => isInside(o, t) || isGuarded(o, t, guardMs));
    if (blocking.length === 0) return t;
    t = Math.max(...blocking.map((o) => o.end.getTime()));
    if (t > until) return null;
  }
}

// The search looks at least `horizonDays` ahead, and past the end of any applicable freeze.
function searchEnd(policy: PeakWindowsPolicy, options: EvaluateOptions): number {
  let end = options.at.getTime() + (options.horizonDays ?? SEARCH_HORIZON_DAYS) * DAY_MS;
  for (const freeze of policy.freezes) {
    if (!appliesTo(freeze.triggers, options.trigger)) continue;
    end = Math.max(end, freezeOccurrence(policy.timezone, freeze).end.getTime());
  }
  return end;
}

/** Allowed, with the next block ahead; or refused, with every blocker and the next allowed start. */
export function evaluateWindows(policy: PeakWindowsPolicy, options: EvaluateOptions): WindowDecision {
  assertZone(policy.timezone);
  const zone = policy.timezone;
  const at = options.at.getTime();
  const guardMs = Math.max(0, policy.guardMs);
  const until = searchEnd(policy, options);
  const occurrences = listOccurrences(policy, { from: options.at, to: new Date(until + guardMs), trigger: options.trigger });
  const base = { at: options.at, trigger: options.trigger, timezone: zone };

  const blockers = blockersAt(zone, occurrences, at, guardMs);
  if (blockers.length === 0) {
    const next = occurrences.find((o) => o.start.getTime() > at);
    if (next === undefined) return { allowed: true, ...base };
    const nextBlock: NextBlock = { ...viewOccurrence(zone, next), guardFrom: new Date(next.start.getTime() - guardMs) };
    return { allowed: true, ...base, nextBlock };
  }
  const nextAllowed = findNextAllowed(occurrences, at, guardMs, until);
  return {
    allowed: false,
    ...base,
    blockers,
    nextAllowed: nextAllowed === null ? null : new Date(nextAllowed),
    searchedUntil: new Date(until),
  };
}

/** True when a window or freeze applicable to `trigger` covers `at` (the guard is not counted). */
export function isInPeakWindow(policy: PeakWindowsPolicy, options: { at: Date; trigger: Trigger }): boolean {
  assertZone(policy.timezone);
  const at = options.at.getTime();
  return listOccurrences(policy, { from: options.at, to: new Date(at + 1), trigger: options.trigger }).some((o) => isInside(o, at));
}

/** True when nothing (window, freeze or guard) refuses a start at `at`. */
export function isReleaseAllowed(policy: PeakWindowsPolicy, options: { at: Date; trigger: Trigger }): boolean {
  return evaluateWindows(policy, options).allowed;
}
