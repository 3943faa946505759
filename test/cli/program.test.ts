// Options before or after the subcommand (issue 8, item 2): `release -c eu.yaml rollback` must act
// on eu.yaml, or be refused with exit 2; never fall back to ./release.yaml in silence.
// The directory holds release.yaml (cluster "lab") and other.yaml (cluster "web-prod").
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, twoClusters } from './support.ts';

let dir: string;
beforeAll(async () => {
  dir = await twoClusters();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const release = (...argv: string[]) => cli(dir, argv);

/** Saturday 02:00 in Shanghai: only web-prod's "batch-jobs" window (triggers: schedule) blocks. */
const SATURDAY_2AM = '2026-03-07T02:00:00+08:00';

describe('-c/--config before or after the subcommand', () => {
  it.each([
    [['validate', '-c', 'other.yaml']],
    [['-c', 'other.yaml', 'validate']],
    [['--config', 'other.yaml', 'validate']],
    [['--config=other.yaml', 'validate']],
    [['-c', 'other.yaml', 'validate', '-c', 'other.yaml']],
  ])('release %j validates other.yaml (web-prod)', async (argv) => {
    const result = await release(...argv);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/other\.yaml: cluster "web-prod"/);
  });

  it('without -c, ./release.yaml (lab) is used', async () => {
    const result = await release('validate');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/release\.yaml: cluster "lab"/);
  });

  it.each([
    [['-c', 'other.yaml', 'windows', '--at', SATURDAY_2AM, '--trigger', 'schedule']],
    [['--trigger', 'schedule', '-c', 'other.yaml', 'windows', '--at', SATURDAY_2AM]],
    [['windows', '-c', 'other.yaml', '--at', SATURDAY_2AM, '--trigger', 'schedule']],
  ])("release %j reads other.yaml's windows (refused, exit 3)", async (argv) => {
    const result = await release(...argv);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toMatch(/batch-jobs/);
    expect(result.stdout).not.toMatch(/\blab\b/);
  });

  it('windows with --trigger manual before the subcommand: allowed at the same instant', async () => {
    const result = await release('--trigger', 'manual', '-c', 'other.yaml', 'windows', '--at', SATURDAY_2AM);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/no peak windows/);
  });

  // These commands need the network once the file loads; a file that does not exist proves which
  // file each one reads, without any: it must be named, and ./release.yaml must not be used.
  it.each(['status', 'doctor', 'plan', 'promote', 'abort', 'resume', 'recover', 'rollback'])(
    'release -c missing.yaml %s reads missing.yaml (exit 2 naming it)',
    async (command) => {
      const result = await release('-c', 'missing.yaml', command);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/missing\.yaml/);
      expect(result.stderr).toMatch(/CONFIG_INVALID/);
    },
  );

  it.each([
    ['--json', 'status'],
    ['--json', 'rollback'],
    ['--report', 'r.json', 'recover'],
    ['--break-lock', 'abort'],
    ['--force-window', '--reason', 'INC-1', 'resume'],
    ['--batch', '2', 'rollback'],
  ])('release %s … -c missing.yaml: taken by the subcommand, which then reads missing.yaml', async (...args) => {
    const command = args.at(-1) as string;
    const result = await release(...args.slice(0, -1), '-c', 'missing.yaml', command);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/CONFIG_INVALID[^\n]*\n?[^\n]*missing\.yaml/);
  });

  it('the same option before and after with different values is refused (exit 2), nothing runs', async () => {
    const result = await release('-c', 'other.yaml', 'validate', '-c', 'release.yaml');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/USAGE/);
    expect(result.stderr).toMatch(/--config/);
    expect(result.stderr).toMatch(/other\.yaml/);
    expect(result.stderr).toMatch(/release\.yaml/);
  });

  it('release -c a.yaml status -c b.yaml is refused before reading either file', async () => {
    const result = await release('-c', 'a.yaml', 'status', '-c', 'b.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/USAGE .*--config/);
    expect(result.stderr).not.toMatch(/CONFIG_INVALID/);
  });
});

describe('a release-only option before a subcommand that does not take it', () => {
  it.each([
    [['--batch', '2', 'status'], '--batch', 'status'],
    [['--canary', '1', 'validate'], '--canary', 'validate'],
    [['--dry-run', 'rollback'], '--dry-run', 'rollback'],
    [['--artifact', 'app.tar.gz', 'abort'], '--artifact', 'abort'],
    [['--wait-for-window', '-c', 'other.yaml', 'windows'], '--wait-for-window', 'windows'],
    [['--report', 'r.json', 'validate'], '--report', 'validate'],
    [['-c', 'other.yaml', 'lab', 'status'], '--config', 'lab status'],
    [['lab', '--servers', '2', 'status'], '--servers', 'lab status'],
  ])('release %j is refused (exit 2) naming %s and `release %s`', async (argv, flag, command) => {
    const result = await release(...argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/✖ USAGE/);
    expect(result.stderr).toContain(flag);
    expect(result.stderr).toContain(`release ${command}`);
    expect(result.stderr).toContain(`release help ${command}`);
  });

  it('release lab --dir D status: the lab directory is passed to `lab status`', async () => {
    const result = await release('lab', '--dir', 'nowhere', 'status');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no lab at \S*nowhere\/lab\.json/);
  });
});

describe('unknown commands and help', () => {
  it.each([
    [['statu'], 'status'],
    [['-c', 'other.yaml', 'statu'], 'status'],
    [['--json', 'rolback'], 'rollback'],
    [['valdiate', '-c', 'other.yaml'], 'validate'],
    [['lab', 'statsu'], 'lab status'],
    [['rolback', '--to', 'v1'], 'rollback'],
  ])('release %j: exit 2, did you mean `release %s`?', async (argv, suggestion) => {
    const result = await release(...argv);
    expect(result.code).toBe(2);
    // With --json, stdout holds the error event and nothing else (docs/OUTPUT.md).
    if (argv.includes('--json')) expect(JSON.parse(result.stdout)).toMatchObject({ type: 'error', code: 'USAGE', exitCode: 2 });
    else expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/unknown command/);
    expect(result.stderr).toContain(`did you mean \`release ${suggestion}\``);
  });

  it.each([
    [['--dryrun'], '--dry-run', 'release help'],
    [['--frobnicate', 'status'], undefined, 'release help'],
    [['lab', '--sevrers', '2'], '--servers', 'release help lab'],
  ])('release %j: unknown option, exit 2 (did you mean %s?)', async (argv, suggestion, help) => {
    const result = await release(...argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/unknown option/);
    if (suggestion) expect(result.stderr).toContain(`did you mean ${suggestion}?`);
    expect(result.stderr).toContain(help);
  });

  it('a word far from every command: exit 2, pointing at `release help`', async () => {
    const result = await release('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command "frobnicate"/);
    expect(result.stderr).toContain('release help');
  });

  it.each([
    [['help', 'status'], 'Usage: release status'],
    [['help', 'rollback'], 'Usage: release rollback'],
    [['help', 'lab'], 'Usage: release lab'],
    [['lab', 'help', 'artifact'], 'Usage: release lab artifact'],
    [['status', '--help'], 'Usage: release status'],
    [['help'], 'Usage: release'],
    [['--help'], 'Usage: release'],
  ])('release %j prints that help (exit 0)', async (argv, usage) => {
    const result = await release(...argv);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(usage);
    expect(result.stdout).toContain('--');
  });

  it("release help status shows status's own options", async () => {
    const result = await release('help', 'status');
    expect(result.stdout).toMatch(/-c, --config <file>/);
    expect(result.stdout).toMatch(/--json/);
    expect(result.stdout).not.toMatch(/--canary/);
  });

  it('release help nosuch: exit 2, unknown command', async () => {
    const result = await release('help', 'statu');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('did you mean `release status`');
  });
});
