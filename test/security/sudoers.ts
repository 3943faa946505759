// Just enough of sudoers(5) to check a command against the README's rules: Cmnd_Alias, user specs
// with (runas) and NOPASSWD, commands with exact arguments, `*`/`?` wildcards over the joined
// arguments (as sudo's fnmatch does), no arguments = any arguments, "" = none.
import { posix } from 'node:path';

export interface SudoCommand {
  /** The absolute path of the command. */
  path: string;
  /** undefined: any arguments; []: none (`""`); else a pattern over the arguments joined by spaces. */
  args: string | undefined;
}

export interface SudoRule {
  user: string;
  runas: string;
  nopasswd: boolean;
  commands: SudoCommand[];
}

function parseCommand(spec: string): SudoCommand {
  const [path = '', ...rest] = spec.trim().split(/\s+/);
  const args = rest.join(' ');
  return { path, args: rest.length === 0 ? undefined : args === '""' ? '' : args };
}

/** The user specifications of a sudoers text, aliases expanded. */
export function parseSudoers(text: string): SudoRule[] {
  const aliases = new Map<string, string[]>();
  const rules: SudoRule[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('Defaults')) continue;
    const alias = /^Cmnd_Alias\s+([A-Z][A-Z0-9_]*)\s*=\s*(.+)$/.exec(line);
    if (alias) {
      aliases.set(
        alias[1] as string,
        (alias[2] as string).split(',').map((s) => s.trim()),
      );
      continue;
    }
    const spec = /^(\S+)\s+\S+\s*=\s*\(([^)]*)\)\s*(NOPASSWD:)?\s*(.+)$/.exec(line);
    if (!spec) throw new Error(`sudoers line not understood: ${line}`);
    const items = (spec[4] as string).split(',').map((s) => s.trim());
    const expanded = items.flatMap((item) => aliases.get(item) ?? [item]);
    rules.push({ user: spec[1] as string, runas: spec[2] as string, nopasswd: spec[3] !== undefined, commands: expanded.map(parseCommand) });
  }
  return rules;
}

function wildcard(pattern: string): RegExp {
  const body = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}

/** Does `sudo -n ARGV` match this command? A bare name is found through secure_path, so it matches by basename. */
export function allows(command: SudoCommand, argv: readonly string[]): boolean {
  const [name = '', ...args] = argv;
  const sameCommand = name.includes('/') ? name === command.path : posix.basename(command.path) === name;
  if (!sameCommand) return false;
  if (command.args === undefined) return true;
  return wildcard(command.args).test(args.join(' '));
}

/** The fenced ```sudoers blocks of a markdown section. */
export function sudoersBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sudoers\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}
