// `--report FILE` (issue 8, item 8): checked before anything runs (exit 2 naming the path and the
// OS error), and a report that still fails to write at the end is a warning: the exit status stays
// the run's. Tests run as root, so unwritable paths are made with a regular file as the parent
// directory, or a directory removed during the run.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHarness } from '../../src/cli/harness.ts';
import { loadCluster } from '../../src/config/load.ts';
import type { Cluster } from '../../src/config/types.ts';
import { EXIT, ReleaseError } from '../../src/core/errors.ts';
import { capturedIo, twoClusters } from './support.ts';

let dir: string;
let cluster: Cluster;
beforeAll(async () => {
  dir = await twoClusters();
  const loaded = await loadCluster('release.yaml', { cwd: dir, home: dir });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  cluster = loaded.cluster;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs withHarness with `--report report`; `body` stands for the run (no network here). */
async function harness(report: string, body: () => Promise<number>) {
  const { io, stderr } = capturedIo(dir);
  let ran = false;
  const outcome = await withHarness(io, cluster, { report, plain: true }, async () => {
    ran = true;
    return body();
  }).then(
    (code) => ({ code, error: undefined }),
    (error: unknown) => ({ code: undefined, error }),
  );
  return { ...outcome, ran, stderr: stderr() };
}

describe('--report is checked before the run', () => {
  it.each([
    ['a directory that does not exist', 'no-such-dir/report.json', 'ENOENT'],
    ['a parent that is a regular file', 'plain-file/report.json', 'ENOTDIR'],
    ['a path that is a directory', 'a-directory', 'EISDIR'],
  ])('%s: USAGE (exit 2) naming the path and the OS error; the run never starts', async (_what, report, osError) => {
    writeFileSync(join(dir, 'plain-file'), 'not a directory\n');
    mkdirSync(join(dir, 'a-directory'), { recursive: true });
    const result = await harness(report, async () => EXIT.ok);
    expect(result.ran).toBe(false);
    expect(result.error).toBeInstanceOf(ReleaseError);
    const error = result.error as ReleaseError;
    expect(error.code).toBe('USAGE');
    expect(error.exitStatus).toBe(EXIT.usage);
    expect(error.message).toContain(join(dir, report));
    expect(error.message).toContain(osError);
    expect(error.hint).toMatch(/--report/);
  });

  it('a writable path: checked without leaving a file behind when the run writes no report', async () => {
    const report = join(dir, 'refused.json');
    const result = await harness(report, async () => {
      expect(existsSync(report)).toBe(false);
      throw new ReleaseError('LOCK_HELD', 'held by someone else');
    });
    expect((result.error as ReleaseError).code).toBe('LOCK_HELD');
    expect(existsSync(report)).toBe(false);
  });

  it('an existing report file is kept as it is until the run ends, then replaced', async () => {
    const report = join(dir, 'kept.json');
    writeFileSync(report, 'old report\n');
    const result = await harness(report, async () => {
      expect(readFileSync(report, 'utf8')).toBe('old report\n');
      return EXIT.ok;
    });
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ version: 1 });
  });
});

describe('a report that fails to write at the end', () => {
  it.each([EXIT.ok, EXIT.failedRolledBack, EXIT.refused, EXIT.rollbackFailed])(
    "run exit %i: a warning on stderr naming the path and the error; the exit status stays the run's",
    async (exit) => {
      const sub = join(dir, `vanishing-${exit}`);
      mkdirSync(sub, { recursive: true });
      const report = join(sub, 'report.json');
      const result = await harness(report, async () => {
        rmSync(sub, { recursive: true });
        return exit;
      });
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(exit);
      expect(result.stderr).toMatch(/warning/i);
      expect(result.stderr).toContain(report);
      expect(result.stderr).toContain('ENOENT');
      expect(result.stderr).not.toMatch(/INTERNAL/);
    },
  );

  it('the report is written on success', async () => {
    const report = join(dir, 'ok.json');
    const result = await harness('ok.json', async () => EXIT.ok);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe('');
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ version: 1 });
  });
});
