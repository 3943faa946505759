// End-to-end harness: a real lab (SSH, HTTP, TCP through the VIP), the real CLI run in-process
// against it, load through the VIP while it runs, and the lab's own view for the invariants.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse, stringify } from 'yaml';
import { run } from '../../src/cli.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { buildArtifact } from '../../src/lab/app/artifact.ts';
import { startLab, type CheckerMode, type Lab } from '../../src/lab/lab.ts';
import { runLoad, type LoadResult } from '../../src/lab/net/load.ts';
import { findDest, findService } from '../../src/lb/pool.ts';

const SHIPPED = new URL('../../pipelines/', import.meta.url);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LoadHandle {
  stop(): Promise<LoadResult>;
}

export interface E2eLab {
  lab: Lab;
  dir: string;
  config: string;
  artifact(version: string, broken?: 'start' | 'health'): Promise<string>;
  cli(args: string[], env?: Record<string, string>): Promise<CliRun>;
  /** `release -c CONFIG ...args`. */
  release(args: string[], env?: Record<string, string>): Promise<CliRun>;
  startLoad(options?: { concurrency?: number; keepAlive?: boolean }): LoadHandle;
  versions(): Record<string, string | null>;
  /** Weight of each server on each director (null: absent). */
  weights(): Record<string, Record<string, number | null>>;
  /** Most servers out of the pool at once on any director since the lab started. */
  maxOut(): number;
  close(): Promise<void>;
}

export interface E2eOptions {
  servers?: number;
  checker?: CheckerMode;
  /** Pipeline to start from (a shipped name) and drain settings to override for speed. */
  pipeline?: 'symlink' | 'healthfile';
  drain?: Record<string, unknown>;
  /** Extra top-level pipeline keys (e.g. rollback: failed). */
  pipelineExtra?: Record<string, unknown>;
  /** Extra top-level cluster-file keys (e.g. peakWindows). */
  clusterExtra?: Record<string, unknown>;
  timeScale?: number;
}

function captured(): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function startE2eLab(options: E2eOptions = {}): Promise<E2eLab> {
  const dir = await mkdtemp(join(tmpdir(), 'lvs-e2e-'));
  const lab = await startLab({
    dir: join(dir, 'lab'),
    servers: options.servers ?? 6,
    checker: options.checker ?? 'off',
    timeScale: options.timeScale ?? 0.005,
    restartDelayMs: 150,
  });
  // A pipeline like the shipped one, with waits short enough for tests.
  const pipelineName = options.pipeline ?? 'symlink';
  const pipeline = parse(await readFile(new URL(`${pipelineName}.yaml`, SHIPPED), 'utf8')) as Record<string, unknown>;
  pipeline.drain = { ...(pipeline.drain as object), settle: '300ms', poll: '100ms', timeout: '30s', ...options.drain };
  Object.assign(pipeline, options.pipelineExtra ?? {});
  const pipelinePath = join(lab.dir, 'pipeline.yaml');
  await writeFile(pipelinePath, stringify(pipeline));
  const cluster = parse(await readFile(lab.configPath, 'utf8')) as Record<string, unknown>;
  cluster.pipeline = './pipeline.yaml';
  Object.assign(cluster, options.clusterExtra ?? {});
  await writeFile(lab.configPath, stringify(cluster));

  const loads: { controller: AbortController; done: Promise<LoadResult> }[] = [];
  const cli = async (args: string[], env: Record<string, string> = {}): Promise<CliRun> => {
    const out = captured();
    const err = captured();
    const io: CliIo = { stdout: out.stream, stderr: err.stream, env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: '1', ...env }, cwd: dir };
    const code = await run(args, io);
    return { code, stdout: out.text(), stderr: err.text() };
  };
  return {
    lab,
    dir,
    config: lab.configPath,
    async artifact(version, broken) {
      const built = await buildArtifact({ version, ...(broken ? { broken } : {}), out: join(dir, `${version}${broken ? `-${broken}` : ''}.tar.gz`) });
      return built.path;
    },
    cli,
    release: (args, env) => cli(['-c', lab.configPath, ...args], env),
    startLoad(opts = {}) {
      const controller = new AbortController();
      const done = runLoad({
        url: lab.vip.url,
        durationMs: 120_000,
        concurrency: opts.concurrency ?? 3,
        keepAlive: opts.keepAlive ?? false,
        requestTimeoutMs: 10_000,
        signal: controller.signal,
      });
      loads.push({ controller, done });
      return {
        async stop() {
          controller.abort();
          return done;
        },
      };
    },
    versions: () => Object.fromEntries(lab.servers.map((s) => [s.name, s.app.status().version])),
    weights() {
      const out: Record<string, Record<string, number | null>> = {};
      for (const d of lab.directors) {
        const table = d.state.table();
        const service = table.services[0] ? findService(table, table.services[0].key) : undefined;
        out[d.name] = Object.fromEntries(
          lab.servers.map((s) => [s.name, (service && findDest(service, { name: s.name, address: '127.0.0.1', port: s.app.port })?.weight) ?? null]),
        );
      }
      return out;
    },
    maxOut: () => lab.timeline.maxOut(),
    async close() {
      for (const l of loads) l.controller.abort();
      await Promise.allSettled(loads.map((l) => l.done));
      await lab.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Total failed requests of a load run, by kind, for readable assertions. */
export function failuresOf(result: LoadResult): Record<string, number> {
  return Object.fromEntries(Object.entries(result.failures).filter(([, n]) => n > 0));
}
