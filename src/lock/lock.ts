// One release per cluster (SPEC invariant 5): a lock directory created atomically (`mkdir`) on
// every director, naming its holder, with a heartbeat the holder touches. A held lock refuses;
// a lock whose heartbeat stopped is reported as stale and broken only when asked (--break-lock).
import { randomBytes } from 'node:crypto';
import { ReleaseError } from '../core/errors.ts';
import type { DirectorHandle } from '../lb/directors.ts';
import { shellQuote as q } from '../shell/quote.ts';

export interface LockOwner {
  token: string;
  cluster: string;
  command: string;
  user: string;
  host: string;
  pid: number;
  ciJob?: string;
  startedAt: string;
}

export interface LockSettings {
  path: string;
  staleAfterMs: number;
  heartbeatMs: number;
}

/** What one director says about the lock. */
export type LockProbe =
  | { director: string; state: 'acquired' }
  | { director: string; state: 'held'; owner: Partial<LockOwner> | null; heartbeatAgeMs: number }
  | { director: string; state: 'error'; detail: string };

export function newLockOwner(input: Omit<LockOwner, 'token'>): LockOwner {
  return { ...input, token: randomBytes(8).toString('hex') };
}

/** POSIX sh: take the lock (mkdir is atomic) or report the holder and its heartbeat age. */
export function acquireScript(path: string, owner: LockOwner): string {
  const lock = q(path);
  return [
    `mkdir -p "$(dirname ${lock})" || exit 3`,
    `if mkdir ${lock} 2>/dev/null; then`,
    `  printf '%s\\n' ${q(JSON.stringify(owner))} > ${lock}/owner.json && touch ${lock}/heartbeat && echo ACQUIRED`,
    'else',
    `  now=$(date +%s); hb=$(stat -c %Y ${lock}/heartbeat 2>/dev/null || stat -c %Y ${lock})`,
    '  echo "HELD $((now - hb))"',
    `  cat ${lock}/owner.json 2>/dev/null || true`,
    'fi',
  ].join('\n');
}

/** Removes the lock only if we own it (the token matches). */
export function releaseScript(path: string, owner: LockOwner): string {
  const lock = q(path);
  return `if grep -q ${q(`"token":"${owner.token}"`)} ${lock}/owner.json 2>/dev/null; then rm -rf ${lock}; fi`;
}

export function heartbeatScript(path: string, owner: LockOwner): string {
  const lock = q(path);
  return `grep -q ${q(`"token":"${owner.token}"`)} ${lock}/owner.json && touch ${lock}/heartbeat`;
}

export function breakScript(path: string): string {
  return `rm -rf ${q(path)}`;
}

/** Parses the acquire script's answer. */
export function parseProbe(director: string, stdout: string): LockProbe {
  const [first = '', ...rest] = stdout.trim().split('\n');
  if (first === 'ACQUIRED') return { director, state: 'acquired' };
  const held = /^HELD (-?\d+)$/.exec(first);
  if (!held) return { director, state: 'error', detail: `unexpected answer: ${first}` };
  let owner: Partial<LockOwner> | null = null;
  try {
    owner = rest.length ? (JSON.parse(rest.join('\n')) as Partial<LockOwner>) : null;
  } catch {
    owner = null;
  }
  return { director, state: 'held', owner, heartbeatAgeMs: Number(held[1]) * 1000 };
}

export function describeOwner(owner: Partial<LockOwner> | null): string {
  if (!owner) return 'an unknown holder (no owner file)';
  return `${owner.user ?? '?'}@${owner.host ?? '?'} pid ${owner.pid ?? '?'}${owner.ciJob ? ` CI job ${owner.ciJob}` : ''} (${owner.command ?? 'release'} since ${owner.startedAt ?? '?'})`;
}

/** A lock removed to take ours: `stale` broken as asked (--break-lock), `holder-gone` taken over
 * because its holder provably died (this host, pid not alive). */
export interface BrokenLock {
  director: string;
  owner: Partial<LockOwner> | null;
  heartbeatAgeMs: number;
  reason: 'stale' | 'holder-gone';
}

export interface HeldLock {
  owner: LockOwner;
  /** Broken or taken-over locks, for the record. */
  broken: BrokenLock[];
  release(): Promise<void>;
}

type HeldProbe = Extract<LockProbe, { state: 'held' }>;

/** The hint of a refusal: it names only a command that does not refuse in the same state. */
function lockHint(held: HeldProbe, stale: boolean, gone: boolean, takesOverGone: boolean): string {
  if (!stale) return 'Wait for it to finish (`release status` shows the holder and its heartbeat); one release per cluster at a time.';
  const where = held.owner?.host ? ` (it ran on ${held.owner.host})` : '';
  if (takesOverGone) return `Check that the holder is really gone${where}, then run \`release recover --break-lock\` (recorded).`;
  if (gone) return 'Its process is gone from this host: run `release recover` (it takes the lock over, recorded, and repairs what that run left), or pass --break-lock (recorded).';
  return `Check that the holder is really gone${where}; if it crashed, run \`release recover --break-lock\` (recorded), or pass --break-lock here.`;
}


const runOn = async (d: DirectorHandle, script: string, signal?: AbortSignal) =>
  d.session.exec({ script, mutates: true, timeoutMs: 15_000, label: 'cluster lock' }, signal ? { signal } : {});

/** Takes the lock on every director, or refuses (exit 3) naming the holder. */
export async function acquireLock(input: {
  directors: readonly DirectorHandle[];
  settings: LockSettings;
  owner: LockOwner;
  /** --break-lock: break a stale lock (heartbeat too old, or its holder gone). */
  breakStale: boolean;
  /** A holder known to be gone (same host, process not alive) is stale at once. */
  isHolderGone?: (owner: Partial<LockOwner> | null) => boolean;
  /** recover: take over, without --break-lock, a lock whose holder is known to be gone. */
  takeOverGone?: boolean;
  signal?: AbortSignal;
}): Promise<HeldLock> {
  const { directors, settings, owner } = input;
  const broken: BrokenLock[] = [];
  const probe = async (d: DirectorHandle): Promise<LockProbe> => {
    const result = await runOn(d, acquireScript(settings.path, owner), input.signal);
    if (!result.ok) return { director: d.name, state: 'error', detail: result.stderr.trim() || result.error || `exit ${result.exitCode}` };
    const parsed = parseProbe(d.name, result.stdout);
    // Ours already (a retry after breaking a stale lock elsewhere).
    return parsed.state === 'held' && parsed.owner?.token === owner.token ? { director: d.name, state: 'acquired' } : parsed;
  };
  // NOTE: one director after the other, in name order, stopping at the first refusal: two runs
  // started at once cannot each take one director and both give up; the first to lvs1 wins.
  const ordered = [...directors].sort((a, b) => a.name.localeCompare(b.name));
  const probeInOrder = async (): Promise<LockProbe[]> => {
    const out: LockProbe[] = [];
    for (const d of ordered) {
      const p = await probe(d);
      out.push(p);
      if (p.state !== 'acquired') break;
    }
    return out;
  };
  const isGone = (p: HeldProbe) => input.isHolderGone?.(p.owner) ?? false;
  const isStale = (p: HeldProbe) => p.heartbeatAgeMs > settings.staleAfterMs || isGone(p);
  const takeOver = (p: HeldProbe) => (input.takeOverGone ?? false) && isGone(p);
  const breakable = (p: HeldProbe) => takeOver(p) || (input.breakStale && isStale(p));
  let probes = await probeInOrder();
  // The probe stops at the first lock it cannot take: break that one if allowed and go on, at
  // most once per director.
  for (let round = 0; round < ordered.length; round++) {
    const held = probes.filter((p): p is HeldProbe => p.state === 'held');
    if (held.length === 0 || !held.every(breakable)) break;
    await Promise.all(held.map((p) => runOn(directors.find((d) => d.name === p.director) as DirectorHandle, breakScript(settings.path), input.signal)));
    broken.push(...held.map((p): BrokenLock => ({ director: p.director, owner: p.owner, heartbeatAgeMs: p.heartbeatAgeMs, reason: takeOver(p) ? 'holder-gone' : 'stale' })));
    probes = await probeInOrder();
  }
  const release = async () => {
    await Promise.allSettled(directors.map((d) => runOn(d, releaseScript(settings.path, owner))));
  };
  const failed = probes.filter((p) => p.state !== 'acquired');
  if (failed.length === 0) return { owner, broken, release };
  // Give back what we took before refusing: nothing else was touched.
  await Promise.allSettled(probes.filter((p) => p.state === 'acquired').map((p) => runOn(directors.find((d) => d.name === p.director) as DirectorHandle, releaseScript(settings.path, owner))));
  const held = failed.find((p): p is HeldProbe => p.state === 'held');
  if (held) {
    const stale = isStale(held);
    const age = Math.round(held.heartbeatAgeMs / 1000);
    throw new ReleaseError(stale ? 'LOCK_STALE' : 'LOCK_HELD', stale
      ? `The cluster lock on ${held.director} (${settings.path}) is stale: held by ${describeOwner(held.owner)}, last heartbeat ${age}s ago${isGone(held) ? ', and that process is gone from this host' : ''}.`
      : `Another run holds the cluster lock on ${held.director} (${settings.path}): ${describeOwner(held.owner)}, heartbeat ${age}s ago.`, {
      hint: lockHint(held, stale, isGone(held), input.takeOverGone ?? false),
      details: { director: held.director, owner: held.owner, heartbeatAgeMs: held.heartbeatAgeMs },
    });
  }
  const error = failed[0] as Extract<LockProbe, { state: 'error' }>;
  throw new ReleaseError('PREFLIGHT_FAILED', `Could not take the cluster lock on ${error.director}: ${error.detail}.`, {
    hint: `The SSH user must be able to create ${settings.path} on every director.`,
  });
}

/** Touches the heartbeat every heartbeatMs until stopped. */
export function startHeartbeat(directors: readonly DirectorHandle[], settings: LockSettings, owner: LockOwner): () => void {
  const timer = setInterval(() => {
    for (const d of directors) void runOn(d, heartbeatScript(settings.path, owner)).catch(() => {});
  }, settings.heartbeatMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** True when the holder ran on this host and its process is gone (a crash or kill -9). */
export function holderGoneOnThisHost(thisHost: string, isAlive: (pid: number) => boolean) {
  return (owner: Partial<LockOwner> | null): boolean =>
    owner !== null && owner.host === thisHost && typeof owner.pid === 'number' && !isAlive(owner.pid);
}


/** Read-only: who holds the lock on each director (for plan, --dry-run and status). */
export async function readLockHolders(directors: readonly DirectorHandle[], settings: LockSettings, signal?: AbortSignal): Promise<Extract<LockProbe, { state: 'held' }>[]> {
  const lock = q(settings.path);
  const script = `if [ -d ${lock} ]; then now=$(date +%s); hb=$(stat -c %Y ${lock}/heartbeat 2>/dev/null || stat -c %Y ${lock}); echo "HELD $((now - hb))"; cat ${lock}/owner.json 2>/dev/null || true; else echo FREE; fi`;
  const probes = await Promise.all(
    directors.map(async (d) => {
      const result = await d.session.exec({ script, mutates: false, timeoutMs: 15_000, label: 'read cluster lock' }, signal ? { signal } : {});
      return result.ok && result.stdout.startsWith('HELD') ? parseProbe(d.name, result.stdout) : undefined;
    }),
  );
  return probes.filter((p): p is Extract<LockProbe, { state: 'held' }> => p?.state === 'held');
}
