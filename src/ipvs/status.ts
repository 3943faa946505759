// What an ipvsadm exit status means (LVS.md §2). Decided by the status alone, never by the
// message: ipvsadm 1.27-1.29 built on libnl-3 print "Memory allocation problem" for a missing
// service and "No such device or address" for an existing dest. Confirm by re-listing.
import type { IpvsCommand } from './commands.ts';

export type IpvsOutcomeKind =
  /** 0: done (ipvsadm is silent on success). */
  | 'ok'
  /** 1 from `-L -t VIP`: the service does not exist. */
  | 'missing-service'
  /** 2: usage error, or ipvsadm could not start (not root, no ip_vs in the kernel). */
  | 'usage-or-init'
  /** 255: the kernel refused the change (no such dest, already exists, ...) or popt rejected an option. */
  | 'refused'
  /** 126/127 from the shell: ipvsadm not installed or not executable. */
  | 'not-installed'
  /** Anything else: killed, sudo failed, exit 1 outside a service listing. */
  | 'unexpected';

export interface IpvsOutcome {
  kind: IpvsOutcomeKind;
  exitCode: number | null;
  /** stderr as printed, trimmed; for display only. */
  message: string;
}

/** `-L` with a service option: the only command whose exit 1 means "no such service". */
function isServiceListing(argv: readonly string[]): boolean {
  return argv.includes('-L') && !argv.includes('-c') && argv.some((a) => ['-t', '-u', '-f', '--sctp-service'].includes(a));
}

/** Classify by exit status and command; `stderr` is carried along for the user, never read. */
export function classifyIpvsExit(result: { exitCode: number | null; stderr?: string; command?: IpvsCommand }): IpvsOutcome {
  const { exitCode } = result;
  const message = (result.stderr ?? '').trim();
  const kind: IpvsOutcomeKind =
    exitCode === 0
      ? 'ok'
      : exitCode === 1 && result.command && isServiceListing(result.command.argv)
        ? 'missing-service'
        : exitCode === 2
          ? 'usage-or-init'
          : exitCode === 255
            ? 'refused'
            : exitCode === 126 || exitCode === 127
              ? 'not-installed'
              : 'unexpected';
  return { kind, exitCode, message };
}
