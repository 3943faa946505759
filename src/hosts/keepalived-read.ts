// Reading each director's keepalived.conf at release time: the file `directors[].keepalived`
// names, else the default path (probed: no file there = keepalived does not manage this director,
// as far as lvs-release can tell). `cat`, through `sudo -n` only when the director's ipvsadm needs
// it and the path is absolute (the sudoers line names it exactly; doctor/reads.ts builds it).
import { isReleaseError } from '../core/errors.ts';
import { DEFAULT_KEEPALIVED_CONF, keepalivedRead } from '../doctor/reads.ts';
import type { HostSession } from '../transport/types.ts';

export type KeepalivedText =
  | { kind: 'read'; director: string; path: string; text: string; probed: boolean }
  /** Probed and not there: not keepalived-managed (as far as can be told). */
  | { kind: 'absent'; director: string; path: string }
  | { kind: 'unreadable'; director: string; path: string; reason: string; probed: boolean };

export async function readKeepalivedText(
  session: HostSession,
  director: { name: string; keepalived?: string; sudo: boolean },
  signal?: AbortSignal,
): Promise<KeepalivedText> {
  const probed = director.keepalived === undefined;
  const path = director.keepalived ?? DEFAULT_KEEPALIVED_CONF;
  let read: ReturnType<typeof keepalivedRead>;
  try {
    read = keepalivedRead(path, director.sudo);
  } catch (error) {
    if (!isReleaseError(error)) throw error;
    return { kind: 'unreadable', director: director.name, path, reason: `${error.message} (${error.hint ?? ''})`, probed };
  }
  const result = await session.exec(read.command, signal ? { signal } : {});
  if (result.ok) return { kind: 'read', director: director.name, path, text: result.stdout, probed };
  const stderr = result.stderr.trim();
  // NOTE: cat's own wording for a missing file; anything else (permission, sudo) is worth a warning.
  if (probed && result.exitCode === 1 && /No such file or directory/.test(stderr)) return { kind: 'absent', director: director.name, path };
  const reason = result.timedOut
    ? 'it timed out'
    : result.connectionLost
      ? 'the SSH connection was lost'
      : `exit ${result.exitCode}: ${stderr.split('\n')[0] || result.error || 'no output'}`;
  return { kind: 'unreadable', director: director.name, path, reason, probed };
}
