// `generic_opt_check` and `tunnel_opt_check`: the first option, in table order, that a command
// (or tunnel type) requires but lacks, forbids but has, or has twice among exclusive ones.
import type { CommandEntry } from './entry.ts';
import { fail } from './io.ts';
import type { Halt, Io } from './io.ts';
import { COMMAND_OPTIONS, OPTIONS, TUNNEL_OPTION_NAMES, TUNNEL_OPTIONS } from './option-table.ts';
import type { OptName } from './option-table.ts';

// One pass of either check over `names` and their rule characters.
function check(io: Io, given: ReadonlySet<OptName>, names: readonly OptName[], rules: string, subject: string): Halt | undefined {
  let exclusive: OptName | undefined;
  for (const [j, name] of names.entries()) {
    const rule = rules[j] ?? 'x';
    if (!given.has(name)) {
      if (rule === '+') return fail(io, 2, `You need to supply the '${name}' option for the ${subject}`);
      continue;
    }
    if (rule === 'x') return fail(io, 2, `Illegal '${name}' option with the ${subject}`);
    if (rule === '1') {
      if (exclusive === undefined) exclusive = name;
      else return fail(io, 2, `The option '${name}' conflicts with the '${exclusive}' option in the ${subject}`);
    }
  }
  return undefined;
}

export function genericOptCheck(io: Io, entry: CommandEntry): Halt | undefined {
  return check(io, entry.options, OPTIONS, COMMAND_OPTIONS[entry.cmd], `'${entry.cmd}' command`);
}

export function tunnelOptCheck(io: Io, entry: CommandEntry): Halt | undefined {
  const type = entry.dest.tunnelType;
  return check(io, entry.options, TUNNEL_OPTION_NAMES, TUNNEL_OPTIONS[type], `'${type}' tunnel type`);
}
