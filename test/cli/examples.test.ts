// Every `release …` command line written in examples/ (issue 8, item 10) goes through the CLI's
// own parser and option checks (`parseCommandLine`: the same commander program, options before
// or after the command, --batch/--canary/--release-id/--at checks), with the example cluster
// file and no network. An example that the CLI would refuse fails here, not in a user's CI.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/program.ts';
import { capturedIo } from './support.ts';
import { expandCommand, findExampleCommands, shellWords, releaseArgvs } from './example-commands.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const CLUSTER_FILE = fileURLToPath(new URL('../../examples/two-directors-dr/release.yaml', import.meta.url));

/** The example cluster file in place of whatever file the example names. */
function withExampleCluster(argv: string[]): string[] {
  return argv.map((arg, i) => {
    if (arg.startsWith('--config=')) return `--config=${CLUSTER_FILE}`;
    return argv[i - 1] === '-c' || argv[i - 1] === '--config' ? CLUSTER_FILE : arg;
  });
}

const found = findExampleCommands(repo, examples);
const cases = [
  ...new Map(
    found
      .flatMap((command) => expandCommand(command).map((argv) => ({ where: command.where, argv: withExampleCluster(argv) })))
      .map((c) => [JSON.stringify(c), c] as const),
  ).values(),
];

describe('the extraction itself', () => {
  it('finds the command lines of every kind of example', () => {
    const where = found.map((c) => c.where).join('\n');
    expect(where).toMatch(/examples\/ci\/github-actions\.yml \(jobs\.release\.steps\[\d+\]\.run\)/);
    expect(where).toMatch(/examples\/ci\/gitlab-ci\.yml \(nightly-release\.script\[0\]\)/);
    expect(where).toMatch(/examples\/ci\/gitlab-ci\.yml \(\.release\.before_script\[\d\]\)/);
    expect(where).toMatch(/examples\/cron\/release\.service:\d+/);
    expect(where).toMatch(/examples\/two-directors-dr\/release\.yaml:4 \(comment\)/);
    expect(cases.length).toBeGreaterThanOrEqual(12);
    // The GitHub release step, with and without a canary.
    const github = cases.filter((c) => c.where.includes('github-actions') && c.argv.includes('--artifact'));
    expect(github.some((c) => c.argv.includes('--canary'))).toBe(true);
    expect(github.some((c) => !c.argv.includes('--canary'))).toBe(true);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the title names sh's ${VAR} syntax.
  it('expands like sh: quotes, ${VAR::7}, ${VAR:+word}, $(…), operators and prose', () => {
    const vars: Record<string, string> = { SHA: '3f2c1a9b7d', EMPTY: '', N: '2' };
    const words = shellWords(`cd /srv && release --id "$(date -u +%Y%m%dT%H%M%SZ)-\${SHA::7}" \${N:+--canary "$N"} \${EMPTY:+--x "$EMPTY"} 'a b' >log 2>&1`, (n) => vars[n] as string);
    expect(releaseArgvs(words)).toEqual([['--id', '20260307T020000Z-3f2c1a9', '--canary', '2', 'a b']]);
    expect(releaseArgvs(shellWords('npx release status; /usr/bin/release validate -c x.yaml # a comment', () => ''))).toEqual([['status'], ['validate', '-c', 'x.yaml']]);
    expect(releaseArgvs(shellWords('echo release; release-notes; tar -czf release.tar.gz', () => ''))).toEqual([]);
  });

  it('an unknown variable is an error, not a silent empty string', () => {
    expect(() => expandCommand({ where: 'x', text: 'release --batch "$NOT_KNOWN"', scope: {} })).toThrow(/NOT_KNOWN/);
  });
});

describe('every release command line in examples/ parses', () => {
  it.each(cases.map((c) => [c.where, c.argv.join(' '), c.argv] as const))('%s: release %s', async (_where, _line, argv) => {
    const { io, stdout, stderr } = capturedIo(repo, {});
    const invocation = await parseCommandLine([...argv], io).catch((error: unknown) => {
      throw new Error(`${stderr()}${error instanceof Error ? `${(error as { code?: string }).code ?? ''} ${error.message} ${(error as { hint?: string }).hint ?? ''}` : String(error)}`);
    });
    expect(stderr()).toBe('');
    expect(stdout()).toBe('');
    // The cluster file reached the command, wherever the example wrote it.
    if (argv.includes(CLUSTER_FILE) || argv.includes(`--config=${CLUSTER_FILE}`)) expect(invocation.options.config).toBe(CLUSTER_FILE);
  });
});
