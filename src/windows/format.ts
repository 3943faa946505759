// A window decision in words: the lines `release windows` prints, and the error a refused start raises.

import { ReleaseError } from '../core/errors.ts';
import type { Blocker, RefusedDecision, WindowDecision } from './decision.ts';
import { formatLocal, formatUtc, formatUtcShort } from './local-time.ts';
import type { PeakWindowsPolicy } from './types.ts';

/** `30m`, `1h30m`, `45s`, `2d3h`: the largest units that are not zero, down to seconds. */
export function formatDuration(ms: number): string {
  let seconds = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const count = Math.floor(seconds / size);
    seconds -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  return parts.length === 0 ? '0s' : parts.join('');
}

/** `2026-11-25 12:00 Asia/Shanghai (04:00Z)`. */
function when(zone: string, at: Date): string {
  return `${formatLocal(zone, at)} ${zone} (${formatUtcShort(zone, at)})`;
}

/** `2026-11-25 12:00 Asia/Shanghai (2026-11-25T04:00:00Z)`. */
function whenFull(zone: string, at: Date): string {
  return `${formatLocal(zone, at)} ${zone} (${formatUtc(at)})`;
}

function label(blocker: Pick<Blocker, 'source' | 'name' | 'rule' | 'timezone'>): string {
  const what = blocker.source === 'freeze' ? 'freeze' : 'peak window';
  return `${what} "${blocker.name}" (${blocker.rule} ${blocker.timezone})`;
}

/** One line per blocker: what blocks, and until when (or, for a guard, when it starts). */
export function describeBlocker(blocker: Blocker, guardMs: number): string {
  if (blocker.kind === 'guard') {
    return (
      `${label(blocker)} starts in ${formatDuration(blocker.startsInMs ?? 0)} at ${when(blocker.timezone, blocker.start)}, ` +
      `within the ${formatDuration(guardMs)} guard`
    );
  }
  return `inside ${label(blocker)} until ${when(blocker.timezone, blocker.end)}`;
}

function nextAllowedLine(decision: RefusedDecision): string {
  if (decision.nextAllowed === null) {
    return `next allowed start: none found before ${whenFull(decision.timezone, decision.searchedUntil)}`;
  }
  return `next allowed start: ${whenFull(decision.timezone, decision.nextAllowed)}`;
}

/** Human lines for `release windows`: the verdict, every blocker, and the next allowed start. */
export function formatDecision(decision: WindowDecision, policy: PeakWindowsPolicy): string[] {
  const zone = decision.timezone;
  const lines = [`at ${whenFull(zone, decision.at)}, trigger ${decision.trigger}`];
  if (decision.allowed) {
    lines.push('allowed: no peak window, freeze or guard applies');
    const next = decision.nextBlock;
    if (next !== undefined) {
      const guard = policy.guardMs > 0 ? `; with the ${formatDuration(policy.guardMs)} guard, starts are refused after ${when(zone, next.guardFrom)}` : '';
      lines.push(`next block: ${label(next)} from ${when(zone, next.start)}${guard}`);
    }
    return lines;
  }
  for (const blocker of decision.blockers) lines.push(`refused: ${describeBlocker(blocker, policy.guardMs)}`);
  lines.push(nextAllowedLine(decision));
  return lines;
}

/** The error a refused start raises: FREEZE when a freeze blocks, else PEAK_WINDOW (exit 3). */
export function windowRefusalError(decision: RefusedDecision, policy: PeakWindowsPolicy): ReleaseError {
  const first = decision.blockers[0];
  const code = decision.blockers.some((b) => b.kind === 'freeze') ? 'FREEZE' : 'PEAK_WINDOW';
  const reason = first === undefined ? 'refused by the peak-window policy' : describeBlocker(first, policy.guardMs);
  const more = decision.blockers.length > 1 ? ` (and ${decision.blockers.length - 1} more)` : '';
  const message = `${reason.charAt(0).toUpperCase()}${reason.slice(1)}${more}.`;
  const hint = `${nextAllowedLine(decision).replace(/^n/, 'N')}. Wait (--wait-for-window), or pass --force-window --reason "…".`;
  return new ReleaseError(code, message, {
    hint,
    details: {
      trigger: decision.trigger,
      at: formatUtc(decision.at),
      blockers: decision.blockers.map((b) => ({ kind: b.kind, name: b.name, rule: b.rule, start: b.startUtc, end: b.endUtc })),
      nextAllowed: decision.nextAllowed === null ? null : formatUtc(decision.nextAllowed),
    },
  });
}
