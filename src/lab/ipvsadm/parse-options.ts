// `parse_options` (ipvsadm.c): the first option must be a command, every later one fills the
// command entry in argv order (so `-r` without a port takes the service port known so far),
// then `--set` values, stray arguments and `-b` are read. Failures print like ipvsadm's.
import { renderVersion } from '../../ipvs/misc.ts';
import { newCommandEntry } from './entry.ts';
import type { CommandEntry } from './entry.ts';
import { stringToNumber } from './inet.ts';
import { fail, halt, tryHelp } from './io.ts';
import type { Halt, Io } from './io.ts';
import type { Command } from './option-table.ts';
import { POPT_TABLE } from './option-table.ts';
import type { Tag } from './option-table.ts';
import { applyOption } from './option-handlers.ts';
import { createPopt, POPT_STRERROR } from './popt.ts';
import { parseSchedFlags, schedFlagNames } from './sched-flags.ts';
import { renderUsage } from './usage.ts';
import type { IpvsadmVersion } from '../../ipvs/misc.ts';

/** `return -1` from parse_options: a popt error, printed; the caller goes on (exit 255). */
export interface ParseFailed {
  kind: 'failed';
}

const FIRST_COMMANDS: Partial<Record<Tag, Command>> = {
  A: 'add-service',
  E: 'edit-service',
  D: 'delete-service',
  a: 'add-server',
  e: 'edit-server',
  d: 'delete-server',
  C: 'flush',
  L: 'list',
  l: 'list',
  Z: 'zero',
  set: 'set',
  R: 'restore',
  S: 'save',
};

const MAX_TIMEOUT = 86400 * 31;

// The command from the first option; -h/-v print and exit here, anything else gets the hint.
function firstCommand(tag: Tag, arg: string | undefined, io: Io, version: IpvsadmVersion): CommandEntry | Halt {
  const command = FIRST_COMMANDS[tag];
  if (command) return newCommandEntry(command);
  if (tag === 'start-daemon' || tag === 'stop-daemon') {
    if (arg !== 'master' && arg !== 'backup') {
      return fail(io, 2, tag === 'start-daemon' ? 'illegal start-daemon parameter specified' : 'illegal start_daemon specified');
    }
    const entry = newCommandEntry(tag);
    entry.daemon.state = arg;
    return entry;
  }
  if (tag === 'h') {
    io.stdout.push(renderUsage(io.program, version));
    return halt(0);
  }
  if (tag === 'v') {
    io.stdout.push(renderVersion(version));
    return halt(0);
  }
  return tryHelp(io);
}

/** Parse one ipvsadm argv (program name excluded) into a command entry. */
export function parseOptions(argv: readonly string[], io: Io, version: IpvsadmVersion): CommandEntry | Halt | ParseFailed {
  const popt = createPopt(argv, POPT_TABLE);
  const first = popt.next();
  if (first.kind !== 'option') return tryHelp(io);
  const entry = firstCommand(first.tag, first.arg, io, version);
  if ('kind' in entry) return entry;

  let schedFlagsArg = '';
  for (;;) {
    const next = popt.next();
    if (next.kind === 'end') break;
    if (next.kind === 'error') {
      io.stderr.push(`${next.badOption}: ${POPT_STRERROR[next.error]}\n`);
      return { kind: 'failed' };
    }
    if (next.tag === 'b') schedFlagsArg = next.arg ?? '';
    const stop = applyOption(entry, next.tag, next.arg, { io, lastWord: popt.lastWord() });
    if (stop) return stop;
  }

  const leftovers = popt.leftovers();
  if (entry.cmd === 'set') {
    const stop = readTimeoutArgs(entry, leftovers, io);
    if (stop) return stop;
  }
  const stray = leftovers[0];
  if (stray !== undefined) return fail(io, 2, `unexpected argument ${stray}`);

  if (schedFlagsArg !== '') {
    const scheduler = entry.svc.scheduler || 'wlc';
    const parsed = parseSchedFlags(scheduler, schedFlagsArg);
    if ('error' in parsed) return fail(io, 2, parsed.error);
    entry.svc.schedFlags = schedFlagNames(scheduler, parsed.bits);
  }
  return entry;
}

// `--set`: poptGetArg three times; each value is checked as it is read.
function readTimeoutArgs(entry: CommandEntry, leftovers: string[], io: Io): Halt | undefined {
  if (leftovers.length < 3) return fail(io, 2, '--set option requires 3 timeout values');
  const texts = leftovers.splice(0, 3);
  const values: number[] = [];
  for (const text of texts) {
    const n = stringToNumber(text, 0, MAX_TIMEOUT);
    if (n === undefined) return fail(io, 2, `invalid timeout value \`${text}' specified`);
    values.push(n);
  }
  const [tcp = 0, tcpFin = 0, udp = 0] = values;
  entry.timeouts = { tcp, tcpFin, udp };
  return undefined;
}
