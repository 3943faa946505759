// Carrying the checker's commands out with ipvsadm, as keepalived does through netlink:
// the argv for each command, and the errno it reads back from an ipvsadm result.
// NOTE: the CLI must never decide from stderr (LVS.md §2); this emulates keepalived's errno
// check on top of an ipvsadm that reports errors only as text, in both 1.31 and 1.27-1.29 wording.
import { formatEndpoint } from '../../ipvs/address.ts';
import { forwardSwitch, serviceOptionArgs } from '../../ipvs/save.ts';
import type { ApplyResult, CheckerCommand } from './keepalived-types.ts';

const OP_SWITCH = { add: '-a', edit: '-e', del: '-d' } as const;

/** `-a|-e -t VIP -r RIP -m -w W` or `-d -t VIP -r RIP` (no program name). */
export function checkerCommandArgv(command: CheckerCommand): string[] {
  const base = [OP_SWITCH[command.op], ...serviceOptionArgs(command.service), '-r', formatEndpoint(command.dest)];
  if (command.op === 'del') return base;
  return [...base, forwardSwitch(command.dest.forward), '-w', String(command.weight)];
}

const ERRNO_BY_MESSAGE: ReadonlyArray<[RegExp, Exclude<ApplyResult, { ok: true }>['errno']]> = [
  [/Destination already exists|No such device or address/, 'EEXIST'],
  [/No such destination/, 'ENOENT'],
  [/Service not defined|No such service/, 'ESRCH'],
  [/Invalid operation|Argument list too long/, 'EINVAL'],
];

/** The errno keepalived would see for an ipvsadm run. */
export function applyResultFromIpvsadm(result: { exitCode: number; stderr: string }): ApplyResult {
  if (result.exitCode === 0) return { ok: true };
  const message = result.stderr.trim();
  const errno = ERRNO_BY_MESSAGE.find(([pattern]) => pattern.test(message))?.[1] ?? 'OTHER';
  return { ok: false, errno, message };
}
