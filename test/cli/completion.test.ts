// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the scripts here are bash, whose ${…} is the shell's.
// `release completion bash|zsh` (issue 12 item 11): the script is generated from the command
// tree, sourced in a real bash, and asked what it completes (plain bash, no bash-completion
// package needed). zsh is checked for syntax when a zsh is installed, else by its content.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionTree } from '../../src/cli/commands/completion.ts';
import { buildProgram } from '../../src/cli/program.ts';
import { capturedIo, cli } from './support.ts';

const run = promisify(execFile);
let dir: string;
let bashScript: string;
let zshScript: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-completion-'));
  const bash = await cli(dir, ['completion', 'bash']);
  expect(bash.code, bash.stderr).toBe(0);
  bashScript = join(dir, 'release.bash');
  await writeFile(bashScript, bash.stdout);
  const zsh = await cli(dir, ['completion', 'zsh']);
  expect(zsh.code, zsh.stderr).toBe(0);
  zshScript = join(dir, '_release');
  await writeFile(zshScript, zsh.stdout);
  await writeFile(join(dir, 'eu.yaml'), 'cluster: eu\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What bash completes for `line` (the cursor at its end), through the function `complete -p release` names. */
async function complete(line: string): Promise<string[]> {
  const script = [
    'source "$1"',
    'fn=$(complete -p release | sed -n "s/.*-F \\([^ ]*\\) release$/\\1/p")',
    '[[ -n $fn ]] || { echo "no completion registered" >&2; exit 1; }',
    'read -ra COMP_WORDS <<< "$2"',
    '[[ $2 == *" " ]] && COMP_WORDS+=("")',
    'COMP_CWORD=$((${#COMP_WORDS[@]} - 1))',
    'COMP_LINE="$2"; COMP_POINT=${#2}',
    '"$fn" release "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const { stdout } = await run('bash', ['-c', script, 'bash', bashScript, line], { cwd: dir, timeout: 10_000 });
  return stdout.split('\n').filter(Boolean).sort();
}

describe('release completion bash', () => {
  it('registers `complete -F … release`', async () => {
    const { stdout } = await run('bash', ['-c', 'source "$1"; complete -p release', 'bash', bashScript], { timeout: 10_000 });
    expect(stdout.trim()).toBe('complete -F _release release');
  });

  it.each([
    ['release sta', ['status']],
    ['release hi', ['history']],
    ['release -c eu.yaml ro', ['rollback']],
    ['release lab ', ['artifact', 'help', 'load', 'status']],
    ['release lab artifact --broken ', ['health', 'start']],
    ['release --trigger s', ['schedule']],
    ['release windows --trigger ', ['ci', 'manual', 'schedule']],
    ['release schema ', ['cluster', 'pipeline']],
    ['release completion ', ['bash', 'zsh']],
    ['release help roll', ['rollback']],
    ['release rollback --l', ['--limit']],
    ['release plan --li', ['--limit']],
    ['release history --', ['--config', '--help', '--json']],
    ['release -c eu', ['eu.yaml']],
    ['release rollback --to ', []],
  ])('%j completes %j', async (line, expected) => {
    expect(await complete(line)).toEqual(expected);
  });

  it('every command and every option of the tree completes', async () => {
    const nodes = completionTree(buildProgram(capturedIo(dir).io, async () => undefined));
    const root = nodes.find((n) => n.path === '');
    expect(await complete('release ')).toEqual(expect.arrayContaining(root?.subcommands ?? ['?']));
    for (const node of nodes.filter((n) => n.path !== '' && !n.path.endsWith('help'))) {
      expect(await complete(`release ${node.path} --`), node.path).toEqual([...node.options.filter((o) => o.startsWith('--'))].sort());
    }
  });
});

describe('release completion zsh', () => {
  const hasZsh = (() => {
    try {
      execFileSync('zsh', ['-c', 'true'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it('is a #compdef script over the same tree (parsed by zsh -n when zsh is installed)', async () => {
    const text = await import('node:fs/promises').then((fs) => fs.readFile(zshScript, 'utf8'));
    expect(text.split('\n')[0]).toBe('#compdef release');
    expect(text).toContain('compdef _release release');
    for (const word of ['history', 'rollback', 'completion', '--limit', "'|--trigger') echo '=ci manual schedule'"]) expect(text).toContain(word);
    if (hasZsh) await expect(run('zsh', ['-n', zshScript], { timeout: 10_000 })).resolves.toBeDefined();
  });

  it('an unknown shell: exit 2 with a suggestion', async () => {
    const result = await cli(dir, ['completion', 'bsh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('did you mean `release completion bash`?');
  });
});
