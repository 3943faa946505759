// The cluster lock's remote commands and the parsers of their answers: pure. One small script takes
// the lock (mkdir is the atomic step, and the owner file must follow it in the same command); every
// other step is an argv. The owner's JSON travels on stdin, never in a command line. Ownership is
// decided here, in Node, by parsing the owner file: never by grepping it on the director.
import { posix } from 'node:path';
import { ReleaseError } from '../core/errors.ts';
import { sh, type ShellScript } from '../shell/script.ts';
import type { RemoteCommand } from '../transport/types.ts';

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

/** Exit status of the take script when another run holds the lock (stdout: age, owner). */
export const LOCK_HELD_EXIT = 10;
/** Exit status of the read script when there is no lock. */
export const LOCK_FREE_EXIT = 11;

export interface LockPaths {
  /** The lock directory (`lock.path`). */
  dir: string;
  parent: string;
  owner: string;
  heartbeat: string;
}

/** The lock's files. A relative path starting with `-` is written `./-…`, so no command reads it as an option. */
export function lockPaths(path: string): LockPaths {
  if (path.trim() === '')
    throw new ReleaseError('CONFIG_INVALID', 'lock.path is empty', {
      hint: 'set lock.path to a directory path on the directors, or remove it for the default.',
    });
  const dir = path.startsWith('-') ? `./${path}` : path.replace(/(.)\/+$/, '$1');
  // NOTE: no posix.join here: it would turn ./-x/owner.json back into -x/owner.json.
  return { dir, parent: posix.dirname(dir), owner: `${dir}/owner.json`, heartbeat: `${dir}/heartbeat` };
}

const TIMEOUT_MS = 15_000;

/** Prints the heartbeat's age in seconds, then the owner file (if any). A heartbeat that vanished
 * (the holder just released) reads as 0 s old: the caller refuses, and a retry will find it free. */
function heldReport(p: LockPaths): ShellScript {
  return sh`now=$(date +%s)
hb=$(stat -c %Y -- ${p.heartbeat} 2>/dev/null || stat -c %Y -- ${p.dir} 2>/dev/null || echo "$now")
echo "$((now - hb))"
cat -- ${p.owner} 2>/dev/null`;
}

/** Takes the lock: `mkdir` (atomic), then the owner (from stdin) and the heartbeat; exit 0. Held:
 * exit LOCK_HELD_EXIT with the holder on stdout. A half-written lock is removed again. */
export function takeLockScript(path: string): ShellScript {
  const p = lockPaths(path);
  return sh`mkdir -p -- ${p.parent} || exit 3
if mkdir -- ${p.dir} 2>/dev/null; then
  if cat > ${p.owner} && : > ${p.heartbeat}; then exit 0; fi
  rm -rf -- ${p.dir}
  exit 1
fi
${heldReport(p)}
exit ${LOCK_HELD_EXIT}`;
}

export function takeLockCommand(path: string, owner: LockOwner): RemoteCommand {
  return { script: takeLockScript(path).text, stdin: `${JSON.stringify(owner)}\n`, mutates: true, timeoutMs: TIMEOUT_MS, label: 'cluster lock' };
}

/** Read-only: exit 0 with the holder on stdout, or LOCK_FREE_EXIT. */
export function readLockScript(path: string): ShellScript {
  const p = lockPaths(path);
  return sh`[ -d ${p.dir} ] || exit ${LOCK_FREE_EXIT}
${heldReport(p)}
exit 0`;
}

export function readLockCommand(path: string): RemoteCommand {
  return { script: readLockScript(path).text, mutates: false, timeoutMs: TIMEOUT_MS, label: 'read cluster lock' };
}

/** `cat -- DIR/owner.json`: read-only, to decide in Node whose lock it is. */
export function readOwnerCommand(path: string): RemoteCommand {
  return { argv: ['cat', '--', lockPaths(path).owner], mutates: false, timeoutMs: TIMEOUT_MS, label: 'read cluster lock owner' };
}

/** `touch -- DIR/heartbeat`, sent only after the owner file said the lock is ours. */
export function touchHeartbeatCommand(path: string): RemoteCommand {
  return { argv: ['touch', '--', lockPaths(path).heartbeat], mutates: true, timeoutMs: TIMEOUT_MS, label: 'cluster lock heartbeat' };
}

/** `rm -rf -- DIR`: our own lock (checked first), or a stale one broken as asked. */
export function removeLockCommand(path: string): RemoteCommand {
  return { argv: ['rm', '-rf', '--', lockPaths(path).dir], mutates: true, timeoutMs: TIMEOUT_MS, label: 'cluster lock' };
}

/** The owner file's JSON; null when absent, not JSON, or not an object. Fields of the wrong type are dropped. */
export function parseOwner(text: string): Partial<LockOwner> | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const owner: Partial<LockOwner> = {};
  const record = raw as Record<string, unknown>;
  for (const key of ['token', 'cluster', 'command', 'user', 'host', 'ciJob', 'startedAt'] as const) {
    const value = record[key];
    if (typeof value === 'string') owner[key] = value;
  }
  if (typeof record.pid === 'number' && Number.isInteger(record.pid)) owner.pid = record.pid;
  return owner;
}

/** True when the owner file names this very holder (its random token; the cluster must agree too). */
export function isOwnedBy(file: Partial<LockOwner> | null, owner: LockOwner): boolean {
  return file !== null && file.token === owner.token && file.cluster === owner.cluster;
}

/** The holder report (`heldReport`): the heartbeat age in seconds, then the owner file. */
export function parseHeld(stdout: string): { heartbeatAgeMs: number; owner: Partial<LockOwner> | null } | undefined {
  const newline = stdout.indexOf('\n');
  const first = (newline < 0 ? stdout : stdout.slice(0, newline)).trim();
  if (!/^-?\d+$/.test(first)) return undefined;
  const rest = newline < 0 ? '' : stdout.slice(newline + 1).trim();
  return { heartbeatAgeMs: Math.max(0, Number(first)) * 1000, owner: rest === '' ? null : parseOwner(rest) };
}
