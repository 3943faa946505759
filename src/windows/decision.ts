// What the window logic answers: plain data the CLI prints, the runner checks, and --json emits.

import type { Trigger } from './types.ts';

/** Why a start is refused: inside a window, inside a freeze, or a window/freeze starts too soon. */
export type BlockerKind = 'window' | 'freeze' | 'guard';

/** One concrete occurrence of a weekly window, or a freeze, as real instants. */
export interface Occurrence {
  source: 'window' | 'freeze';
  /** The window's name, or the freeze's reason. */
  name: string;
  /** The rule as a person wrote it: `mon-fri 09:00-12:00`, `2026-11-10 00:00 to 2026-11-12 02:00`. */
  rule: string;
  start: Date;
  /** Exclusive: at exactly `end` the occurrence no longer applies. */
  end: Date;
}

/** An occurrence with its boundaries formatted in the policy's zone and in UTC. */
export interface OccurrenceView extends Occurrence {
  timezone: string;
  /** `2026-11-25 09:00`, local to `timezone`. */
  startLocal: string;
  endLocal: string;
  /** `2026-11-25T01:00:00Z`. */
  startUtc: string;
  endUtc: string;
}

export interface Blocker extends OccurrenceView {
  /** `window`/`freeze`: `at` is inside the occurrence; `guard`: the occurrence starts within the guard. */
  kind: BlockerKind;
  /** Guard only: milliseconds from `at` until the occurrence starts. */
  startsInMs?: number;
}

/** The next window/freeze that will refuse starts, seen from an allowed instant. */
export interface NextBlock extends OccurrenceView {
  /** `start - guard`: starts after this instant are refused (at `start` itself when there is no guard). */
  guardFrom: Date;
}

export interface AllowedDecision {
  allowed: true;
  at: Date;
  trigger: Trigger;
  timezone: string;
  /** Absent when no window or freeze starts within the search horizon. */
  nextBlock?: NextBlock;
}

export interface RefusedDecision {
  allowed: false;
  at: Date;
  trigger: Trigger;
  timezone: string;
  /** Inside blockers (freezes, then windows) first, then guards; each group by start. */
  blockers: Blocker[];
  /** The first instant ≥ `at` at which nothing blocks; null when none before `searchedUntil`. */
  nextAllowed: Date | null;
  /** How far the search for `nextAllowed` looked. */
  searchedUntil: Date;
}

export type WindowDecision = AllowedDecision | RefusedDecision;
