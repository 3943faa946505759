// The events as a journal line must hold them: what `readJournal` checks before replay trusts a
// line. Loose objects (a later version may add fields); every field replay and recover read is
// required with its type. The TypeScript union in types.ts stays the source of the shape.
import { z } from 'zod';
import type { EventType } from './types.ts';

const str = z.string();
const nstr = z.string().nullable();
const num = z.number();
const phase = z.enum(['prepare', 'deploy', 'verify', 'rollback', 'cleanup']);
const oncePhase = z.enum(['before', 'after']);
const serverOutcome = z.enum(['released', 'rolled-back', 'rollback-failed', 'skipped', 'unchanged', 'interrupted', 'restored', 'restore-failed']);
const runOutcome = z.enum(['released', 'rolled-back', 'rollback-failed', 'refused', 'paused', 'interrupted', 'dry-run']);
const savedSlot = z.looseObject({
  director: str,
  service: z.looseObject({ kind: z.enum(['addr', 'fwmark']) }),
  label: str,
  dest: z.looseObject({ address: str, port: num, forward: str, weight: num }),
});
const plan = z.looseObject({ batches: z.array(z.looseObject({ index: num, servers: z.array(str) })) });

const VARIANTS = {
  'run-started': { cluster: str, release: str, command: str, trigger: str, user: str, host: str, pid: num },
  plan: { plan },
  warning: { code: str, message: str },
  preflight: { servers: z.array(z.looseObject({ name: str, inPool: z.boolean() })) },
  'host-check': { stage: z.enum(['verify', 'rollback', 'vip-path']), ok: z.boolean(), host: str, role: z.enum(['server', 'director']), checked: z.array(str) },
  'batch-started': { index: num, servers: z.array(str), purpose: z.enum(['release', 'rollback']) },
  'step-started': { server: str, phase, step: num, label: str },
  'step-finished': { server: str, phase, step: num, label: str, ok: z.boolean(), durationMs: num },
  'upload-progress': { server: str, sent: num, total: num },
  command: { host: str, command: str, mutates: z.boolean() },
  'director-action': {
    stage: z.enum(['intent', 'done', 'failed']),
    server: str,
    director: str,
    service: str,
    action: str,
    weightBefore: num.nullable(),
    weightAfter: num.nullable(),
  },
  'server-draining': { server: str, method: str, purpose: z.enum(['release', 'rollback']), saved: z.array(savedSlot) },
  connections: { server: str, count: num, persist: num, remainingMs: num, settledMs: num },
  'server-drained': { server: str, drainMs: num, connections: num, timedOut: z.boolean() },
  'release-switch': { stage: z.enum(['intent', 'done']), server: str, from: nstr, to: str },
  smoke: { server: str, ok: z.boolean(), attempt: num, url: str },
  retry: { what: str, attempt: num, delayMs: num, error: str },
  'server-restored': { server: str, weights: z.array(z.looseObject({ director: str, service: str, weight: num.nullable() })), outOfPoolMs: num },
  'marked-bad': { server: str, release: str },
  'server-finished': { server: str, outcome: serverOutcome, releaseBefore: nstr, releaseAfter: nstr, outOfPoolMs: num, drainMs: num },
  'batch-finished': { index: num, ok: z.boolean() },
  'once-started': { phase: oncePhase, release: str, on: str, steps: num },
  'once-step-started': { phase: oncePhase, on: str, step: num, label: str },
  'once-step-finished': { phase: oncePhase, on: str, step: num, label: str, ok: z.boolean(), durationMs: num },
  'once-finished': { phase: oncePhase, release: str, on: str, ok: z.boolean(), durationMs: num },
  paused: { reason: z.enum(['canary', 'window', 'interrupt']), resumeWith: str, nextBatch: num },
  'run-finished': { outcome: runOutcome, exitCode: num },
} satisfies Record<EventType, z.ZodRawShape>;

const base = { at: str, runId: str };

export const EVENT_SCHEMA = z.discriminatedUnion(
  'type',
  Object.entries(VARIANTS).map(([type, shape]) => z.looseObject({ type: z.literal(type), ...base, ...shape })) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

/** Why a journal line is not an event (the first problem, with its path), or undefined when it is one. */
export function eventProblem(value: unknown): string | undefined {
  const parsed = EVENT_SCHEMA.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return issue ? `${issue.path.join('.') || '(event)'}: ${issue.message}` : 'not an event';
}
