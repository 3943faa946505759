// Every `release …` command line written in examples/ (issue 8, item 10) goes through the CLI's
// own parser and option checks (`parseCommandLine`: the same commander program, options before
// or after the command, --batch/--canary/--release-id/--at checks), with the example cluster
// file and no network. An example that the CLI would refuse fails here, not in a user's CI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/program.ts';
import { capturedIo } from './support.ts';
import { expandCommand, findExampleCommands, shellWords, releaseArgvs, type ExampleCommand } from './example-commands.ts';

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
    expect(where).toMatch(/examples\/ci\/github-actions\.yml \(jobs\.canary\.steps\[\d+\]\.run\)/);
    expect(where).toMatch(/examples\/ci\/gitlab-ci\.yml \(nightly-release\.script\[0\]\)/);
    expect(where).toMatch(/examples\/ci\/gitlab-ci\.yml \(\.release\.before_script\[\d\]\)/);
    expect(where).toMatch(/examples\/ci\/Jenkinsfile:\d+ \(sh\)/);
    expect(where).toMatch(/examples\/ci\/Jenkinsfile:\d+ \(comment\)/);
    expect(where).toMatch(/examples\/cron\/release\.service:\d+/);
    expect(where).toMatch(/examples\/cron\/crontab:\d+/);
    expect(where).toMatch(/examples\/two-directors-dr\/release\.yaml:4 \(comment\)/);
    expect(cases.length).toBeGreaterThanOrEqual(12);
    // Canary across CI jobs: a canary, then promote (with the build again) and abort, in each CI system.
    for (const ci of ['github-actions', 'gitlab-ci', 'Jenkinsfile']) {
      const own = cases.filter((c) => c.where.includes(ci));
      expect(
        own.some((c) => c.argv.includes('--canary') && c.argv.includes('--artifact')),
        ci,
      ).toBe(true);
      expect(
        own.some((c) => c.argv[0] === 'promote' && c.argv.includes('--artifact')),
        ci,
      ).toBe(true);
      expect(
        own.some((c) => c.argv[0] === 'abort'),
        ci,
      ).toBe(true);
    }
    // GitHub: every release step is `exec release …`, so that the runner's SIGINT/SIGTERM reach the release itself.
    const githubRuns = found.filter((c) => c.where.includes('github-actions') && c.where.endsWith('.run)'));
    const changing = githubRuns.filter((c) => expandCommand(c).some((argv) => !['validate', 'status'].includes(argv[0] ?? '')));
    expect(changing.length).toBeGreaterThanOrEqual(3);
    for (const step of changing) expect(step.text, step.where).toMatch(/exec release/);
    // The crontab: a scheduled release behind flock, waiting for its window, with cron's % escaped.
    const cron = cases.find((c) => c.where.startsWith('examples/cron/crontab'));
    expect(cron?.argv).toEqual(expect.arrayContaining(['--trigger', 'schedule', '--wait-for-window', '--batch', '25%']));
  });

  it('reads a Jenkinsfile like Groovy: sh steps in any quoting, the environment and parameters in scope', () => {
    const groovy = [
      'pipeline {',
      "  parameters { string(name: 'BATCH', defaultValue: '2', description: 'x') }",
      "  environment { CLUSTER_FILE = 'deploy/web/release.yaml' }",
      "  stages { stage('x') { steps {",
      '    sh \'release validate -c "$CLUSTER_FILE"\'',
      "    sh '''",
      '      release -c "$CLUSTER_FILE" --batch "$BATCH" \\',
      '        --canary 1',
      "    '''",
      "    sh(script: 'release status -c x.yaml --json', returnStdout: true)",
      '  } } }',
      '}',
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'lvs-examples-'));
    writeFileSync(join(dir, 'Jenkinsfile'), groovy);
    const commands = findExampleCommands(dir, dir);
    expect(commands.map((c) => c.where)).toEqual(['Jenkinsfile:5 (sh)', 'Jenkinsfile:6 (sh)', 'Jenkinsfile:10 (sh)']);
    expect(commands.flatMap((c) => expandCommand(c))).toEqual([
      ['validate', '-c', 'deploy/web/release.yaml'],
      ['-c', 'deploy/web/release.yaml', '--batch', '2', '--canary', '1'],
      ['status', '-c', 'x.yaml', '--json'],
    ]);
    writeFileSync(join(dir, 'Jenkinsfile'), `sh "release -c \${params.CONFIG}"`);
    expect(() => findExampleCommands(dir, dir)).toThrow(/interpolated by Groovy/);
  });

  it('reads a crontab like cron: the schedule, variable lines, % ending the command and \\% escaping it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvs-examples-'));
    writeFileSync(join(dir, 'crontab'), 'MAILTO=ops@example.net\n30 2 * * 1-5 flock -n /run/lock/x release --batch 25\\% --trigger schedule % stdin text\n');
    const commands = findExampleCommands(dir, dir);
    expect(commands.map((c) => c.where)).toEqual(['crontab:2']);
    expect(expandCommand(commands[0] as ExampleCommand)).toEqual([['--batch', '25%', '--trigger', 'schedule']]);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the title names sh's ${VAR} syntax.
  it('expands like sh: quotes, ${VAR::7}, ${VAR:+word}, $(…), operators and prose', () => {
    const vars: Record<string, string> = { SHA: '3f2c1a9b7d', EMPTY: '', N: '2' };
    const words = shellWords(
      `cd /srv && release --id "$(date -u +%Y%m%dT%H%M%SZ)-\${SHA::7}" \${N:+--canary "$N"} \${EMPTY:+--x "$EMPTY"} 'a b' >log 2>&1`,
      (n) => vars[n] as string,
    );
    expect(releaseArgvs(words)).toEqual([['--id', '20260307T020000Z-3f2c1a9', '--canary', '2', 'a b']]);
    expect(releaseArgvs(shellWords('npx release status; /usr/bin/release validate -c x.yaml # a comment', () => ''))).toEqual([
      ['status'],
      ['validate', '-c', 'x.yaml'],
    ]);
    expect(releaseArgvs(shellWords('echo release; release-notes; tar -czf release.tar.gz', () => ''))).toEqual([]);
    // Keywords and wrappers before the command word: if/then, exec, flock, timeout.
    expect(releaseArgvs(shellWords('if true; then exec release abort; fi; flock -n -w 5 /run/lock/x timeout -s INT 8h release --dry-run', () => ''))).toEqual([
      ['abort'],
      ['--dry-run'],
    ]);
  });

  it('an unknown variable is an error, not a silent empty string', () => {
    expect(() => expandCommand({ where: 'x', text: 'release --batch "$NOT_KNOWN"', scope: {} })).toThrow(/NOT_KNOWN/);
  });
});

describe('every release command line in examples/ parses', () => {
  it.each(cases.map((c) => [c.where, c.argv.join(' '), c.argv] as const))('%s: release %s', async (_where, _line, argv) => {
    const { io, stdout, stderr } = capturedIo(repo, {});
    const invocation = await parseCommandLine([...argv], io).catch((error: unknown) => {
      throw new Error(
        `${stderr()}${error instanceof Error ? `${(error as { code?: string }).code ?? ''} ${error.message} ${(error as { hint?: string }).hint ?? ''}` : String(error)}`,
      );
    });
    expect(stderr()).toBe('');
    expect(stdout()).toBe('');
    // The cluster file reached the command, wherever the example wrote it.
    if (argv.includes(CLUSTER_FILE) || argv.includes(`--config=${CLUSTER_FILE}`)) expect(invocation.options.config).toBe(CLUSTER_FILE);
  });
});
