// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell code, whose ${…} is the shell's, not JavaScript's.
// `release completion bash|zsh`: a completion script generated from the command tree itself, so a
// command or option added to the CLI completes without anyone editing the script. Plain shell
// (no bash-completion helpers): subcommands, options per command, option values (files,
// directories, choices) and the arguments of `schema`, `completion` and `help`.
import type { Command } from 'commander';
import { closestMatch } from '../../config/did-you-mean.ts';
import { EXIT, ReleaseError } from '../../core/errors.ts';
import { VERSION } from '../../version.ts';
import { writeLine, type CliIo } from '../io.ts';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** One command of the tree as completion needs it. */
export interface CompletionNode {
  /** `''` for `release`, `lab status` for `release lab status`. */
  path: string;
  subcommands: string[];
  /** Every spelling of every option (`-c`, `--config`), with `--help` (and `--version` at the root). */
  options: string[];
  /** Options that take a value, and what the value is: `file`, `dir`, `=a b c` (choices) or `any`. */
  values: Record<string, string>;
  /** Words a positional argument may be. */
  args: string[];
}

/** The shell argument: bash or zsh; anything else is a usage error (exit 2) with a suggestion. */
export function parseShell(value: string): Shell {
  const shell = SHELLS.find((s) => s === value);
  if (shell) return shell;
  const match = closestMatch(value, SHELLS);
  throw new ReleaseError('USAGE', `no completion for "${value}": \`release completion\` writes ${SHELLS.join(' or ')}.`, {
    hint: match ? `did you mean \`release completion ${match}\`?` : 'write `release completion bash` or `release completion zsh`.',
    details: { shell: value },
  });
}

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** What an option's value is, from its flags: `<file>` completes files, `<dir>` directories, choices their words. */
function valueKind(flags: string, choices: readonly string[] | undefined): string {
  if (choices && choices.length > 0) return `=${choices.join(' ')}`;
  const name = /<([\w-]+)(?:\.\.\.)?>/.exec(flags)?.[1] ?? '';
  if (name === 'file') return 'file';
  if (name === 'dir') return 'dir';
  return 'any';
}

/** Fixed words of positional arguments the parser checks by a function (not commander choices). */
const ARGUMENT_WORDS: Record<string, readonly string[]> = {
  schema: ['cluster', 'pipeline'],
  completion: SHELLS,
};

/** Every command of the tree, depth first, root first. */
export function completionTree(root: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const visit = (command: Command) => {
    const path = pathOf(command);
    const options: string[] = [];
    const values: Record<string, string> = {};
    for (const option of command.options) {
      if (option.hidden) continue;
      const spellings = [option.short, option.long].filter((s): s is string => Boolean(s));
      options.push(...spellings);
      if (option.required || option.optional) for (const s of spellings) values[s] = valueKind(option.flags, option.argChoices);
    }
    options.push('--help');
    const subcommands = command.commands.map((c) => c.name());
    const args =
      command.name() === 'help' && command.parent
        ? command.parent.commands.map((c) => c.name()).filter((n) => n !== 'help')
        : [...(ARGUMENT_WORDS[path] ?? [])];
    for (const argument of command.registeredArguments) args.push(...(argument.argChoices ?? []));
    nodes.push({ path, subcommands, options, values, args });
    for (const sub of command.commands) visit(sub);
  };
  visit(root);
  return nodes;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The lookup functions both shells share: plain `case` statements over the command path. */
function tables(nodes: readonly CompletionNode[]): string[] {
  const table = (name: string, row: (n: CompletionNode) => string) => [
    `${name}() {`,
    '  case "$1" in',
    ...nodes.map((n) => `    ${quote(n.path)}) echo ${quote(row(n))} ;;`),
    '  esac',
    '}',
  ];
  const values = nodes.flatMap((n) => Object.entries(n.values).map(([option, kind]) => `    ${quote(`${n.path}|${option}`)}) echo ${quote(kind)} ;;`));
  return [
    ...table('_release_subcommands', (n) => n.subcommands.join(' ')),
    ...table('_release_options', (n) => n.options.join(' ')),
    ...table('_release_args', (n) => n.args.join(' ')),
    '# What the value of an option is: file, dir, =choices or any; nothing for a flag.',
    '_release_value() {',
    '  case "$1|$2" in',
    ...values,
    '  esac',
    '}',
    "# Walks the words before the cursor: the command path, and whether the cursor is on an option's value.",
    '_release_walk() {',
    '  local i w s',
    '  _release_path="" _release_kind=""',
    '  for ((i = $1; i < $2; i++)); do',
    '    w="${_release_words[i]}"',
    '    if [[ -n $_release_kind ]]; then _release_kind=""; continue; fi',
    '    case "$w" in',
    '      --*=*) continue ;;',
    '      -*) _release_kind="$(_release_value "$_release_path" "$w")"; continue ;;',
    '    esac',
    '    for s in $(_release_subcommands "$_release_path"); do',
    '      if [[ $s == "$w" ]]; then _release_path="${_release_path:+$_release_path }$w"; break; fi',
    '    done',
    '  done',
    '}',
  ];
}

export function bashScript(nodes: readonly CompletionNode[]): string {
  return [
    `# bash completion for release (lvs-release ${VERSION}), generated by \`release completion bash\`.`,
    '# Install: release completion bash > /etc/bash_completion.d/lvs-release (or source it from ~/.bashrc).',
    ...tables(nodes),
    '_release() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" _release_path _release_kind',
    '  local -a _release_words=("${COMP_WORDS[@]}")',
    '  COMPREPLY=()',
    '  _release_walk 1 "$COMP_CWORD"',
    '  case "$_release_kind" in',
    '    file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;',
    '    dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return ;;',
    '    =*) COMPREPLY=($(compgen -W "${_release_kind#=}" -- "$cur")); return ;;',
    '    any) return ;;',
    '  esac',
    '  if [[ $cur == -* ]]; then',
    '    COMPREPLY=($(compgen -W "$(_release_options "$_release_path")" -- "$cur"))',
    '  else',
    '    COMPREPLY=($(compgen -W "$(_release_subcommands "$_release_path") $(_release_args "$_release_path")" -- "$cur"))',
    '  fi',
    '}',
    'complete -F _release release',
    '',
  ].join('\n');
}

export function zshScript(nodes: readonly CompletionNode[]): string {
  return [
    '#compdef release',
    `# zsh completion for release (lvs-release ${VERSION}), generated by \`release completion zsh\`.`,
    '# Install: release completion zsh > ~/.zfunc/_release, with fpath+=(~/.zfunc) before compinit.',
    ...tables(nodes),
    '_release() {',
    '  local cur="${words[CURRENT]}" _release_path _release_kind',
    '  local -a _release_words',
    '  _release_words=("${words[@]}")',
    '  _release_walk 2 "$CURRENT"',
    '  case "$_release_kind" in',
    '    file) _files; return ;;',
    '    dir) _files -/; return ;;',
    '    =*) compadd -- ${=_release_kind#=}; return ;;',
    '    any) return ;;',
    '  esac',
    '  if [[ $cur == -* ]]; then',
    '    compadd -- ${=$(_release_options "$_release_path")}',
    '  else',
    '    compadd -- ${=$(_release_subcommands "$_release_path")} ${=$(_release_args "$_release_path")}',
    '  fi',
    '}',
    'if [[ "$funcstack[1]" == _release ]]; then _release "$@"; else compdef _release release; fi',
    '',
  ].join('\n');
}

export async function completionCommand(io: CliIo, root: Command, shell: Shell): Promise<number> {
  const nodes = completionTree(root);
  io.stdout.write(shell === 'bash' ? bashScript(nodes) : zshScript(nodes));
  writeLine(io.stdout);
  return EXIT.ok;
}
