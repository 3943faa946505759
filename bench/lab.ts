// The bench's lab: a real lab in-process, the real CLI run in-process against it (NDJSON events
// captured from `--json`), and cluster/pipeline variants written beside the lab's own files.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse, stringify } from 'yaml';
import { run } from '../src/cli.ts';
import type { CliIo } from '../src/cli/io.ts';
import type { ReleaseEvent } from '../src/events/types.ts';
import { buildArtifact } from '../src/lab/app/artifact.ts';
import { startLab, type Lab } from '../src/lab/lab.ts';
import { parseEvents } from './ndjson.ts';

export { fastPipeline, uploadInDeploy } from './pipelines.ts';

export interface CliRun {
  code: number;
  stderr: string;
  events: ReleaseEvent[];
  wallMs: number;
}

export interface BenchLab {
  lab: Lab;
  dir: string;
  /** `release -c CONFIG --json ...args`, in-process; the events come from stdout. */
  release(config: string, args: string[]): Promise<CliRun>;
  artifact(version: string, padBytes?: number): Promise<string>;
  /** Writes a pipeline beside the lab's cluster file; returns its path relative to it. */
  writePipeline(name: string, pipeline: Record<string, unknown>): Promise<string>;
  /** Writes a cluster file beside the lab's, `edit` changing a parsed copy; returns its path. */
  writeCluster(name: string, edit: (cluster: Record<string, unknown>) => void): Promise<string>;
  close(): Promise<void>;
}

function captured(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function startBenchLab(options: { servers: number; restartDelayMs: number }): Promise<BenchLab> {
  const dir = await mkdtemp(join(tmpdir(), 'lvs-bench-'));
  const lab = await startLab({ dir: join(dir, 'lab'), servers: options.servers, checker: 'off', timeScale: 0.005, restartDelayMs: options.restartDelayMs });
  const beside = (name: string) => join(lab.dir, name);
  return {
    lab,
    dir,
    async release(config, args) {
      const out = captured();
      const err = captured();
      const io: CliIo = { stdout: out.stream, stderr: err.stream, env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: '1' }, cwd: dir };
      const started = performance.now();
      const code = await run(['-c', config, '--json', ...args], io);
      return { code, stderr: err.text(), events: parseEvents(out.text()), wallMs: performance.now() - started };
    },
    async artifact(version, padBytes) {
      const built = await buildArtifact({ version, out: join(dir, `${version}.tar.gz`), ...(padBytes ? { padBytes } : {}) });
      return built.path;
    },
    async writePipeline(name, pipeline) {
      await writeFile(beside(name), stringify(pipeline));
      return `./${name}`;
    },
    async writeCluster(name, edit) {
      const cluster = parse(await readFile(lab.configPath, 'utf8')) as Record<string, unknown>;
      edit(cluster);
      await writeFile(beside(name), stringify(cluster));
      return beside(name);
    },
    async close() {
      await lab.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
