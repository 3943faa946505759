// Issue 12 item 11 and the CLI side of item 5, without a network: RELEASE_CONFIG and the first
// line naming the file, --limit parsed and refused by name, the examples each --help ends with
// (each one parsed), the exit codes in `release --help`, and --json errors as an `error` event.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP_EXAMPLES } from '../../src/cli/help.ts';
import { buildProgram, parseCommandLine } from '../../src/cli/program.ts';
import type { Command } from 'commander';
import { EXIT } from '../../src/core/errors.ts';
import { EXIT_BY_OUTCOME } from '../../src/runner/exit-status.ts';
import { capturedIo, cli, twoClusters } from './support.ts';
import { releaseArgvs, shellWords } from './example-commands.ts';

let dir: string;
beforeAll(async () => {
  dir = await twoClusters();
  // A third valid file, told apart by its cluster name.
  const lab = await readFile(join(dir, 'release.yaml'), 'utf8');
  await writeFile(join(dir, 'third.yaml'), lab.replace(/^cluster: lab$/m, 'cluster: third'));
  await writeFile(join(dir, 'app.tar.gz'), 'not really a tarball');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const release = (argv: string[], env: NodeJS.ProcessEnv = {}) => cli(dir, argv, env);

describe('RELEASE_CONFIG: -c, then RELEASE_CONFIG, then ./release.yaml', () => {
  it('RELEASE_CONFIG names the file, and the first line says so', async () => {
    const result = await release(['validate'], { RELEASE_CONFIG: 'third.yaml' });
    expect(result.code, result.stderr).toBe(0);
    // On stderr, so stdout stays what scripts read.
    expect(result.stderr.split('\n')[0]).toBe('cluster file: third.yaml (RELEASE_CONFIG)');
    expect(result.stdout.split('\n')[0]).toMatch(/third\.yaml: cluster "third"/);
  });

  it('-c wins over RELEASE_CONFIG; without either, ./release.yaml', async () => {
    const given = await release(['validate', '-c', 'release.yaml'], { RELEASE_CONFIG: 'third.yaml' });
    expect(given.stderr.split('\n')[0]).toBe('cluster file: release.yaml (-c)');
    expect(given.stdout).toMatch(/cluster "lab"/);
    const plain = await release(['validate']);
    expect(plain.stderr.split('\n')[0]).toBe('cluster file: release.yaml (the default)');
    expect(plain.stdout).toMatch(/cluster "lab"/);
  });

  it('a RELEASE_CONFIG that does not exist: exit 2 naming it; --json: only the error event on stdout', async () => {
    const result = await release(['status', '--json'], { RELEASE_CONFIG: 'nowhere.yaml' });
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/^cluster file:/m);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(event).toMatchObject({ schemaVersion: 1, type: 'error', code: 'CONFIG_INVALID', exitCode: 2 });
    expect(JSON.stringify(event.details)).toContain('nowhere.yaml');
    expect(result.stderr).toMatch(/✖ CONFIG_INVALID/);
  });

  it('validate --json: the validate document, with where the file name came from', async () => {
    const result = await release(['validate', '--json'], { RELEASE_CONFIG: 'third.yaml' });
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'validate', ok: true, source: 'RELEASE_CONFIG', cluster: { name: 'third', realServers: 2 } });
    expect(doc.file).toBe(join(dir, 'third.yaml'));
    expect(Object.keys(doc).sort()).toEqual(['cluster', 'command', 'file', 'ok', 'pipeline', 'schemaVersion', 'source', 'warnings']);
  });

  it('windows --json: the windows document; exit 0 without windows', async () => {
    const result = await release(['windows', '--json', '--at', '2026-03-07T02:00:00+08:00']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      schemaVersion: 1,
      command: 'windows',
      cluster: 'lab',
      allowed: true,
      timezone: null,
      blockers: [],
      nextAllowed: '2026-03-06T18:00:00Z',
    });
  });
});

describe('--limit', () => {
  it('repeated or comma-separated, before or after the command', async () => {
    const io = capturedIo(dir).io;
    expect((await parseCommandLine(['plan', '--limit', 'web1', '--limit', 'web2,web3'], io)).options.limit).toEqual(['web1', 'web2,web3']);
    expect((await parseCommandLine(['--limit', 'web*', 'plan'], io)).options.limit).toEqual(['web*']);
    expect((await parseCommandLine(['rollback', '--limit', 'web2', '--to', 'r1'], io)).options).toMatchObject({ limit: ['web2'], to: 'r1' });
  });

  it('is refused where it means nothing (status)', async () => {
    const result = await release(['--limit', 'web1', 'status']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--limit was given before `release status`/);
  });

  it('an unknown server: exit 2 before any network, with did-you-mean; --json: the error event', async () => {
    const result = await release(['plan', '--artifact', 'app.tar.gz', '--limit', 'web1,wbe2']);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/✖ USAGE --limit "wbe2" matches no real server/);
    expect(result.stderr).toMatch(/did you mean web2\?/);
    const json = await release(['plan', '--artifact', 'app.tar.gz', '--limit', 'web9', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ type: 'error', code: 'USAGE', details: { unknown: ['web9'], servers: ['web1', 'web2'] }, exitCode: 2 });
    const rollback = await release(['rollback', '--limit', 'db1', '--to', 'r1']);
    expect(rollback.code).toBe(2);
    expect(rollback.stderr).toMatch(/--limit "db1" matches no real server/);
  });
});

/** Every command of the tree with its path ('' for the root). */
function commandsOf(root: Command, path = ''): [string, Command][] {
  return [[path, root], ...root.commands.flatMap((c) => commandsOf(c, [path, c.name()].filter(Boolean).join(' ')))];
}

describe('--help', () => {
  const program = buildProgram(capturedIo(process.cwd()).io, async () => undefined);
  const commands = commandsOf(program);

  it('every command has two or three examples, and every example is a command of the tree', () => {
    expect(commands.map(([path]) => path).sort()).toEqual(Object.keys(HELP_EXAMPLES).sort());
    for (const [path, examples] of Object.entries(HELP_EXAMPLES)) {
      expect(examples.length, path).toBeGreaterThanOrEqual(2);
      expect(examples.length, path).toBeLessThanOrEqual(3);
    }
  });

  it.each(commands.map(([path]) => [path || '(release)', path] as const))('%s --help ends with its examples', async (_name, path) => {
    const result = await release([...path.split(' ').filter(Boolean), '--help']);
    expect(result.code).toBe(0);
    const examples = HELP_EXAMPLES[path] ?? [];
    const tail = result.stdout.slice(result.stdout.lastIndexOf('Examples:'));
    for (const example of examples) expect(tail).toContain(`$ ${example}`);
    if (path !== '') expect(result.stdout.trimEnd().endsWith(examples.at(-1) as string)).toBe(true);
  });

  it.each(Object.entries(HELP_EXAMPLES).flatMap(([path, examples]) => examples.map((e) => [path, e] as const)))(
    'the example of "%s" parses: %s',
    async (_path, example) => {
      const argvs = releaseArgvs(shellWords(example, () => ''));
      expect(argvs).toHaveLength(1);
      const { io } = capturedIo(dir);
      await expect(parseCommandLine(argvs[0] as string[], io)).resolves.toBeDefined();
    },
  );

  it('release --help lists every exit code of EXIT and the status of every run outcome', async () => {
    const result = await release(['--help']);
    const codes = result.stdout.slice(result.stdout.indexOf('Exit codes:'));
    for (const code of Object.values(EXIT)) expect(codes).toMatch(new RegExp(`^\\s+${code}  \\S`, 'm'));
    for (const [outcome, by] of Object.entries(EXIT_BY_OUTCOME)) expect(codes).toContain(`${outcome} ${by.release}`);
    expect(codes).toContain('rolled-back 1 (0 after abort/rollback/recover)');
  });
});
