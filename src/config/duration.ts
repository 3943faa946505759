// Durations as people write them in YAML and on the command line: '500ms', '30s', '1h30m', or seconds.

import { ReleaseError } from '../core/errors.ts';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];
const PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;

export const DURATION_HINT = 'write a duration like 500ms, 30s, 5m, 1h30m, or a number of seconds';

/** Milliseconds, or undefined when the input is not a duration. Units must come largest first, each once. */
export function tryParseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? Math.round(input * 1000) : undefined;
  }
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (text === '') return undefined;
  let total = 0;
  let lastRank = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match) return undefined;
    const unit = match[2] as Unit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return Math.round(total);
}

/** Like tryParseDuration, but a bad value is a user error (exit 2). For CLI flags. */
export function parseDuration(input: string | number): number {
  const ms = tryParseDuration(input);
  if (ms === undefined) {
    throw new ReleaseError('USAGE', `"${String(input)}" is not a duration`, { hint: `${DURATION_HINT}.` });
  }
  return ms;
}

/** The shortest spelling parseDuration reads back to the same value: 90000 → '1m30s', 1500 → '1.5s'. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / UNIT_MS.h);
  const minutes = Math.floor((total % UNIT_MS.h) / UNIT_MS.m);
  const seconds = (total % UNIT_MS.m) / 1000;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0) parts.push(`${minutes}m`);
  if (seconds > 0) parts.push(`${Number(seconds.toFixed(3))}s`);
  return parts.join('');
}
