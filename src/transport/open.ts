// Opening many sessions with a bound: every host ends up with a session or a failure value.
import { isReleaseError, ReleaseError } from '../core/errors.ts';
import { createLimiter } from './limit.ts';
import type { HostSession, HostTarget, OpenOptions, OpenResult } from './types.ts';

export type ConnectFn = (target: HostTarget, options: { signal?: AbortSignal }) => Promise<HostSession>;

/** Connects to every target, at most `concurrency` at a time; maps keep the targets' order. */
export async function openSessions(connect: ConnectFn, targets: readonly HostTarget[], options: OpenOptions): Promise<OpenResult> {
  const names = new Set(targets.map((target) => target.name));
  if (names.size !== targets.length) throw new TypeError('openSessions: target names must be unique');
  const limit = createLimiter(options.concurrency);
  const outcomes = await Promise.all(
    targets.map((target) =>
      limit(async () => {
        const outcome = await connectOne(connect, target, options.signal);
        options.onResult?.(target, outcome.error);
        return outcome;
      }),
    ),
  );
  const sessions = new Map<string, HostSession>();
  const failures = new Map<string, ReleaseError>();
  targets.forEach((target, index) => {
    const outcome = outcomes[index];
    if (outcome?.session) sessions.set(target.name, outcome.session);
    else if (outcome?.error) failures.set(target.name, outcome.error);
  });
  return { sessions, failures };
}

async function connectOne(connect: ConnectFn, target: HostTarget, signal: AbortSignal | undefined): Promise<{ session?: HostSession; error?: ReleaseError }> {
  if (signal?.aborted) {
    return { error: new ReleaseError('INTERRUPTED', `Not connecting to ${target.name}: the run was cancelled.`, { details: { host: target.host } }) };
  }
  try {
    return { session: await connect(target, signal ? { signal } : {}) };
  } catch (error) {
    if (isReleaseError(error)) return { error };
    const message = error instanceof Error ? error.message : String(error);
    return {
      error: new ReleaseError('SSH_CONNECT_FAILED', `Cannot connect to ${target.name} (${target.host}:${target.port}): ${message}`, {
        details: { host: target.host, port: target.port },
        cause: error,
      }),
    };
  }
}
