// One formatter per event kind: a short human line for the CI log, the TTY tree and error reports.

import type { DirectorWeight, EventOf, EventType, ReleaseEvent, RunOutcome, ServerOutcome } from '../events/types.ts';
import { formatBytes, formatMs, formatSeconds } from './units.ts';
import { createPaint, type Paint } from './paint.ts';

/** What a line is about (a server, director or host), and what happened. */
export interface EventLine {
  subject?: string;
  text: string;
}

export interface FormatOptions {
  /** Style our own words (outcomes, warnings). Default false. */
  color?: boolean;
}

export type Formatter<K extends EventType> = (event: EventOf<K>, paint: Paint) => EventLine;
export type FormatterTable = { [K in EventType]: Formatter<K> };

const LIST_LIMIT = 8;

/** `web1, web2, web3 +5 more`: long server lists stay one short line. */
export function listNames(names: readonly string[], limit = LIST_LIMIT): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown} +${names.length - limit} more` : shown;
}

/** `1 connection`, `4 connections`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function weight(value: number | null): string {
  return value === null ? 'absent' : String(value);
}

function directorsOf(weights: readonly DirectorWeight[]): string {
  const names = [...new Set(weights.map((w) => w.director))];
  return names.length === 0 ? 'no director' : names.join(',');
}

/** `weight 100` when every director agrees, else `weights lvs1 100, lvs2 absent`. */
function weightsOf(weights: readonly DirectorWeight[]): string {
  const distinct = [...new Set(weights.map((w) => weight(w.weight)))];
  if (distinct.length <= 1) return `weight ${distinct[0] ?? 'unknown'}`;
  return `weights ${weights.map((w) => `${w.director} ${weight(w.weight)}`).join(', ')}`;
}

function release(id: string | null): string {
  return id ?? 'none';
}

const OUTCOME_WORDS: Record<RunOutcome | ServerOutcome, string> = {
  released: 'released',
  'rolled-back': 'rolled back',
  'rollback-failed': 'ROLLBACK FAILED',
  refused: 'refused',
  paused: 'paused',
  interrupted: 'interrupted',
  'dry-run': 'dry run done',
  skipped: 'skipped',
  unchanged: 'unchanged',
  restored: 'restored',
  'restore-failed': 'RESTORE FAILED',
};

function poolOf(e: EventOf<'server-finished'>): string {
  return `${formatMs(e.outOfPoolMs)} out of the pool, drain ${formatMs(e.drainMs)}`;
}

function failureOf(e: EventOf<'server-finished'>): string {
  return e.failedStep || e.error ? ` — failed at ${e.failedStep ?? 'unknown step'}: ${e.error ?? 'no detail'}` : '';
}

/** The words of a finished server, one per outcome (a new outcome is a type error here). */
const SERVER_FINISHED = {
  released: (e, p) => `${p.ok(`released ${release(e.releaseBefore)} → ${release(e.releaseAfter)}`)} (${poolOf(e)})`,
  unchanged: (e) => `unchanged on ${release(e.releaseAfter ?? e.releaseBefore)}`,
  skipped: (e, p) => p.warn(`skipped${e.error ? `: ${e.error}` : ''}`),
  'rolled-back': (e, p) => `${p.bad(`rolled back to ${release(e.releaseAfter)}`)} (${poolOf(e)})${failureOf(e)}`,
  'rollback-failed': (e, p) => p.bad(`ROLLBACK FAILED: left out of the pool on ${release(e.releaseAfter)}, manual action needed`) + failureOf(e),
  restored: (e, p) => `${p.warn(`put back untouched on ${release(e.releaseAfter ?? e.releaseBefore)}`)} (${poolOf(e)})${failureOf(e)}`,
  'restore-failed': (e, p) =>
    p.bad(`RESTORE FAILED: left out of the pool on ${release(e.releaseAfter ?? e.releaseBefore)}, manual action needed`) + failureOf(e),
  interrupted: (e, p) => p.warn(`interrupted on ${release(e.releaseAfter ?? e.releaseBefore)}`) + failureOf(e),
} satisfies Record<ServerOutcome, (e: EventOf<'server-finished'>, p: Paint) => string>;

/** `plan: 3 batches (1 + 2 + 2 servers), 1 skipped`, read defensively: the event carries the plan as data. */
function describePlan(plan: unknown): string {
  if (plan === null || typeof plan !== 'object') return 'plan ready';
  const { batches, skipped, blocked } = plan as { batches?: unknown; skipped?: unknown; blocked?: unknown };
  if (blocked !== null && typeof blocked === 'object' && typeof (blocked as { reason?: unknown }).reason === 'string') {
    return `plan blocked: ${(blocked as { reason: string }).reason}`;
  }
  if (!Array.isArray(batches)) return 'plan ready';
  const sizes = batches.map((batch: unknown) => {
    const servers = (batch as { servers?: unknown } | null)?.servers;
    return Array.isArray(servers) ? servers.length : 0;
  });
  const skippedText = Array.isArray(skipped) && skipped.length > 0 ? `, ${skipped.length} skipped` : '';
  const plural = batches.length === 1 ? 'batch' : 'batches';
  return `plan: ${batches.length} ${plural} (${sizes.join(' + ')} servers)${skippedText}`;
}

export const formatters = {
  'run-started': (e, p) => {
    const who = `${e.user}@${e.host} pid ${e.pid}${e.ciJob ? `, CI job ${e.ciJob}` : ''}`;
    const forced = e.forcedWindow
      ? p.warn(`; peak window forced: "${e.forcedWindow.reason}" (blocked by ${e.forcedWindow.blockers.join(', ') || 'nothing'})`)
      : '';
    const dry = e.dryRun ? '[dry run] ' : '';
    return { text: `${dry}${e.command} ${e.release} on ${e.cluster} started (trigger ${e.trigger}, ${who})${forced}` };
  },
  plan: (e) => ({ text: describePlan(e.plan) }),
  warning: (e, p) => ({ subject: e.server ?? e.director, text: p.warn(`warning ${e.code}: ${e.message}`) }),
  preflight: (e) => {
    const out = e.servers.filter((s) => !s.inPool);
    const outText =
      out.length === 0
        ? ''
        : `; out of the pool: ${listNames(
            out.map((s) => (s.reason ? `${s.name} (${s.reason})` : s.name)),
            5,
          )}`;
    return { text: `preflight: ${e.servers.length} servers, ${e.servers.length - out.length} in the pool${outText}` };
  },
  'batch-started': (e) => ({
    text: `${e.purpose === 'rollback' ? 'rollback ' : ''}batch ${e.index + 1} started: ${listNames(e.servers)}`,
  }),
  'step-started': (e) => ({ subject: e.server, text: `${e.phase} #${e.step} started: ${e.label}` }),
  'step-finished': (e, p) => {
    if (e.ok) return { subject: e.server, text: `${e.phase} #${e.step} ok in ${formatMs(e.durationMs)}: ${e.label}` };
    const detail = e.detail ? ` (${e.detail})` : '';
    return { subject: e.server, text: p.bad(`${e.phase} #${e.step} FAILED after ${formatMs(e.durationMs)}: ${e.label}${detail}`) };
  },
  'upload-progress': (e) => {
    const percent = e.total > 0 ? ` (${Math.floor((e.sent / e.total) * 100)}%)` : '';
    return { subject: e.server, text: `uploading: ${formatBytes(e.sent)} of ${formatBytes(e.total)}${percent}` };
  },
  command: (e) => ({ subject: e.host, text: `$ ${e.command}${e.dryRun && e.mutates ? ' [dry run: not executed]' : ''}` }),
  'director-action': (e, p) => {
    const where = e.service === '*' ? '' : ` ${e.service}`;
    const on = e.director === '*' ? '' : ` on ${e.director}${where}`;
    const weights = e.weightBefore === null && e.weightAfter === null ? '' : `: weight ${weight(e.weightBefore)}→${weight(e.weightAfter)}`;
    const extras = [
      e.forward ? `forward ${e.forward}` : undefined,
      e.connections === undefined ? undefined : count(e.connections, 'connection'),
      e.detail,
    ].filter((x): x is string => x !== undefined && x !== '');
    const tail = extras.length > 0 ? ` (${extras.join(', ')})` : '';
    const stage = e.stage === 'intent' ? '…' : e.stage === 'done' ? ' done' : p.bad(' FAILED');
    return { subject: e.server, text: `${e.action}${on}${weights}${stage}${tail}` };
  },
  'server-draining': (e) => {
    const weights = e.saved.map((slot) => ({ director: slot.director, service: slot.label, weight: slot.dest.weight }));
    const why = e.purpose === 'rollback' ? ', for rollback' : '';
    return { subject: e.server, text: `draining on ${directorsOf(weights)} (${e.method}, ${weightsOf(weights)}→0${why})` };
  },
  connections: (e) => {
    const persist = e.persist > 0 ? `, ${count(e.persist, 'persistent template')}` : '';
    const settled = e.settledMs > 0 ? `, quiet for ${formatSeconds(e.settledMs)}` : '';
    return { subject: e.server, text: `waiting: ${count(e.count, 'connection')}${persist}${settled}, ${formatSeconds(e.remainingMs)} to deadline` };
  },
  'server-drained': (e, p) => {
    if (e.timedOut) {
      return { subject: e.server, text: p.warn(`drain timed out after ${formatMs(e.drainMs)} (${count(e.connections, 'connection')} left)`) };
    }
    return { subject: e.server, text: `drained in ${formatMs(e.drainMs)} (${count(e.connections, 'connection')} left)` };
  },
  'release-switch': (e) => ({
    subject: e.server,
    text: `${e.stage === 'intent' ? 'switching' : 'switched'} release ${release(e.from)} → ${e.to}`,
  }),
  smoke: (e, p) => {
    if (e.ok) return { subject: e.server, text: p.ok(`smoke ok (${e.detail ?? String(e.status ?? '')})`) };
    const why = e.detail ?? (e.status === undefined ? 'no response' : `status ${e.status}`);
    return { subject: e.server, text: `${p.bad(`smoke FAILED after ${count(e.attempt, 'attempt')}: ${why}`)} ${e.url}` };
  },
  retry: (e, p) => ({
    subject: e.server,
    text: p.warn(`${e.what} failed (attempt ${e.attempt}): ${e.error}; retrying in ${formatMs(e.delayMs)}`),
  }),
  'server-restored': (e) => ({
    subject: e.server,
    text: `restored on ${directorsOf(e.weights)} (${weightsOf(e.weights)}) after ${formatMs(e.outOfPoolMs)} out of the pool`,
  }),
  'marked-bad': (e, p) => ({ subject: e.server, text: p.warn(`release ${e.release} marked bad`) }),
  'server-finished': (e, p) => {
    const line = SERVER_FINISHED[e.outcome] as ((e: EventOf<'server-finished'>, p: Paint) => string) | undefined;
    return { subject: e.server, text: line ? line(e, p) : `finished: ${e.outcome}${failureOf(e)}` };
  },
  'batch-finished': (e, p) => ({ text: e.ok ? `batch ${e.index + 1} finished` : p.bad(`batch ${e.index + 1} FAILED`) }),
  'host-check': (e, p) => {
    const what = e.stage === 'vip-path' ? 'VIP path' : `network checks${e.stage === 'rollback' ? ' after rollback' : ''}`;
    const skipped = e.skipped?.length ? `; skipped: ${e.skipped.join('; ')}` : '';
    if (e.ok) return { subject: e.host, text: `${what} ok (${e.checked.join(', ') || 'nothing to check'})${skipped}` };
    return { subject: e.host, text: p.bad(`${what} FAILED: ${(e.problems ?? []).join('; ')}`) };
  },
  'once-started': (e) => ({ subject: e.on, text: `${e.phase}: ${count(e.steps, 'step')} for ${e.release}` }),
  'once-step-started': (e) => ({ subject: e.on, text: `${e.phase} #${e.step} started: ${e.label}` }),
  'once-step-finished': (e, p) => {
    if (e.ok) return { subject: e.on, text: `${e.phase} #${e.step} ok in ${formatMs(e.durationMs)}: ${e.label}` };
    return { subject: e.on, text: p.bad(`${e.phase} #${e.step} FAILED after ${formatMs(e.durationMs)}: ${e.label}${e.detail ? ` (${e.detail})` : ''}`) };
  },
  'once-finished': (e, p) => {
    if (e.skipped !== undefined) return { subject: e.on, text: `${e.phase} skipped: ${e.skipped}` };
    if (e.ok) return { subject: e.on, text: p.ok(`${e.phase} done in ${formatMs(e.durationMs)}`) };
    return { subject: e.on, text: p.bad(`${e.phase} FAILED at ${e.failedStep ?? 'unknown step'}: ${e.detail ?? 'no detail'}`) };
  },
  paused: (e, p) => ({ text: p.warn(`paused (${e.reason}): continue with ${e.resumeWith}`) }),
  'run-finished': (e, p) => {
    const word = OUTCOME_WORDS[e.outcome];
    const styled = e.exitCode === 0 ? p.ok(word) : e.outcome === 'paused' ? p.warn(word) : p.bad(word);
    return { text: `finished: ${styled} (exit ${e.exitCode})${e.message ? `: ${e.message}` : ''}` };
  },
} satisfies FormatterTable;

/** The subject and text of one event. */
export function formatEventLine(event: ReleaseEvent, options: FormatOptions = {}): EventLine {
  const format = formatters[event.type] as (event: ReleaseEvent, paint: Paint) => EventLine;
  return format(event, createPaint(options.color ?? false));
}

/** `web3 drained in 12s (0 connections left)`: subject first, when there is one. */
export function formatEvent(event: ReleaseEvent, options: FormatOptions = {}): string {
  const line = formatEventLine(event, options);
  return line.subject ? `${line.subject} ${line.text}` : line.text;
}
