// The real CLI (`run` from src/cli.ts) in-process, with captured output, in a temporary directory
// that holds two different cluster files, so a test can tell which one a command used.
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { run } from '../../src/cli.ts';
import type { CliIo } from '../../src/cli/io.ts';

const repo = new URL('../../', import.meta.url);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what was written, synchronously. */
export function capture(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export function capturedIo(cwd: string, env: NodeJS.ProcessEnv = {}): { io: CliIo; stdout: () => string; stderr: () => string } {
  const out = capture();
  const err = capture();
  return { io: { stdout: out.stream, stderr: err.stream, env: { HOME: cwd, ...env }, cwd }, stdout: out.text, stderr: err.text };
}

/** `release ...argv` in `cwd`, as a user would type it. */
export async function cli(cwd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const { io, stdout, stderr } = capturedIo(cwd, env);
  const code = await run(argv, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

/**
 * A directory with `release.yaml` (cluster "lab", no peak windows; the test fixture) and
 * `other.yaml` (cluster "web-prod", peak windows; the two-directors example).
 */
export async function twoClusters(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lvs-cli-'));
  await copyFile(new URL('test/fixtures/config/minimal.yaml', repo), join(dir, 'release.yaml'));
  await copyFile(new URL('test/fixtures/config/pipeline.yaml', repo), join(dir, 'pipeline.yaml'));
  const other = await readFile(new URL('examples/two-directors-dr/release.yaml', repo), 'utf8');
  await writeFile(join(dir, 'other.yaml'), other.replace(/^pipeline: pipeline\.yaml$/m, 'pipeline: pipeline-dr.yaml'));
  await copyFile(new URL('examples/two-directors-dr/pipeline.yaml', repo), join(dir, 'pipeline-dr.yaml'));
  return dir;
}
