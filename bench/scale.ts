// One size of the scale bench: a traced lab of N servers in this process, load through the VIP,
// and one release of it by `bin/release.js` in its own process. Returns what was observed; the
// readings (scale-analysis.ts, floor.ts) are pure.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildArtifact } from '../src/lab/app/artifact.ts';
import type { SshHostUsage } from '../src/lab/host/ssh-host.ts';
import { startLab } from '../src/lab/lab.ts';
import { runLoad, type LoadResult } from '../src/lab/net/load.ts';
import type { TimelinePoint } from '../src/lab/timeline.ts';
import type { LabTraceData } from '../src/lab/trace.ts';
import { fastPipeline } from './pipelines.ts';
import { RELEASE_BIN, runReleaseProcess, type ReleaseProcess } from './release-process.ts';

export interface ScaleOptions {
  servers: number;
  batch: number;
  /** How long an app restart takes in the lab (the demo's 300 ms). */
  restartDelayMs: number;
  /** Load through the VIP during the release: requests per second, workers. */
  load: { rps: number; concurrency: number };
}

export interface HostUsage {
  name: string;
  role: 'director' | 'server';
  usage: SshHostUsage;
}

export interface ScaleRun {
  servers: number;
  batch: number;
  release: ReleaseProcess;
  hosts: HostUsage[];
  routing: string;
  /** The routing director's timeline points during the release, in time order. */
  routingPoints: TimelinePoint[];
  /** The most servers out of the pool at once on any director during the release. */
  maxOut: number;
  trace: LabTraceData;
  load: LoadResult;
  loadavg: { before: number[]; after: number[] };
  /** CPU seconds during the release: this process (the lab, its load), and its children (the lab's
   * shells, bash tool shims, tar... and the release process, whose own share `release.cpu` gives). */
  labCpuS: { self: number; children: number };
  /** The whole machine during the release (/proc/stat), CPU seconds: busy (anyone's) and idle. */
  machineCpuS: { busy: number; idle: number };
  /** The lab's event loop utilisation during the release (1 = never idle). */
  labEventLoop: number;
  /** `bin/release.js validate` on the same files: node start, module load, config, no network. */
  validateMs: number;
  /** Lab start-up, for the record (not part of the release). */
  labStartMs: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const load = () => loadavg().map(round2);

/** The machine's busy and idle CPU seconds so far (/proc/stat's first line, 100 Hz ticks). */
async function machineCpuS(): Promise<{ busy: number; idle: number }> {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq + steal) / 100, idle: (idle + iowait) / 100 };
}

// Fields of /proc/PID/stat after "(comm) ", in clock ticks (100 Hz): ppid is [1], utime [11],
// stime [12], cutime [13], cstime [14].
const statFields = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');
const ticks = (fields: string[], ...at: number[]) => at.reduce((n, i) => n + Number(fields[i] ?? 0), 0) / 100;

/**
 * CPU seconds of this process's children: those waited for (cutime + cstime), and the lab's
 * spawner (src/lab/host/spawner.ts), which forks the hosts' shells and waits for them, with its
 * shells, while it runs. 0 where /proc is missing.
 */
async function childrenCpuS(): Promise<number> {
  const own = ticks(statFields(await readFile('/proc/self/stat', 'utf8').catch(() => '')), 13, 14);
  const pids = await readdir('/proc').catch(() => [] as string[]);
  const spawners = await Promise.all(
    pids
      .filter((p) => /^\d+$/.test(p))
      .map(async (pid) => {
        const fields = statFields(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
        if (Number(fields[1]) !== process.pid) return 0;
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        return cmdline.includes('spawner-child') ? ticks(fields, 11, 12, 13, 14) : 0;
      }),
  );
  return own + spawners.reduce((a, b) => a + b, 0);
}

// The same binary, files and machine, without a network: what starting the tool costs.
async function timeValidate(config: string, cwd: string): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(RELEASE_BIN, ['validate', '-c', config], { cwd, stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', () => resolve());
  });
  return performance.now() - started;
}

/** Starts the lab, runs the release under load, stops the lab. */
export async function runScale(options: ScaleOptions): Promise<ScaleRun> {
  const dir = await mkdtemp(join(tmpdir(), `lvs-bench-${options.servers}-`));
  const labStarted = performance.now();
  const lab = await startLab({
    dir: join(dir, 'lab'),
    servers: options.servers,
    checker: 'off',
    timeScale: 0.005,
    restartDelayMs: options.restartDelayMs,
    trace: true,
  });
  const labStartMs = performance.now() - labStarted;
  const stopLoad = new AbortController();
  try {
    await writeFile(join(lab.dir, 'bench-fast.yaml'), stringify(await fastPipeline()));
    const cluster = parse(await readFile(lab.configPath, 'utf8')) as Record<string, unknown>;
    cluster.pipeline = './bench-fast.yaml';
    const config = join(lab.dir, 'bench-cluster.yaml');
    await writeFile(config, stringify(cluster));
    const artifact = (await buildArtifact({ version: 'v2', out: join(dir, 'v2.tar.gz') })).path;

    const hosts = [
      ...lab.directors.map((d) => ({ name: d.name, role: 'director' as const })),
      ...lab.servers.map((s) => ({ name: s.name, role: 'server' as const })),
    ].map((h) => {
      const ssh = lab.sshHost(h.name);
      if (!ssh) throw new Error(`no SSH host for ${h.name}`);
      return { ...h, ssh };
    });
    const loadDone = runLoad({
      url: lab.vip.url,
      durationMs: 10 * 60_000,
      rps: options.load.rps,
      concurrency: options.load.concurrency,
      keepAlive: false,
      requestTimeoutMs: 10_000,
      signal: stopLoad.signal,
    });
    // Let the load reach every server once before the release reads the tables.
    await new Promise((r) => setTimeout(r, 500));
    for (const h of hosts) h.ssh.resetUsage();
    lab.trace?.reset();
    const pointsBefore = lab.timeline.points().length;
    const validateMs = await timeValidate(config, dir);
    const before = load();
    const cpuBefore = { self: process.cpuUsage(), children: await childrenCpuS(), machine: await machineCpuS() };
    const eluBefore = performance.eventLoopUtilization();
    const release = await runReleaseProcess({
      args: ['-c', config, '--json', '--artifact', artifact, '--release-id', 'r2', '--batch', String(options.batch)],
      cwd: dir,
      env: { ...process.env, CI: '1', NO_COLOR: '1' },
      timeFile: join(dir, 'time.txt'),
    });
    const after = load();
    const self = process.cpuUsage(cpuBefore.self);
    const labCpuS = { self: (self.user + self.system) / 1e6, children: (await childrenCpuS()) - cpuBefore.children };
    const labEventLoop = performance.eventLoopUtilization(eluBefore).utilization;
    const machineAfter = await machineCpuS();
    const machine = { busy: machineAfter.busy - cpuBefore.machine.busy, idle: machineAfter.idle - cpuBefore.machine.idle };
    stopLoad.abort();
    const loadResult = await loadDone;
    const points = lab.timeline.points().slice(pointsBefore);
    const routing = lab.routing().name;
    return {
      servers: options.servers,
      batch: options.batch,
      release,
      hosts: hosts.map((h) => ({ name: h.name, role: h.role, usage: h.ssh.usage() })),
      routing,
      routingPoints: points.filter((p) => p.director === routing),
      maxOut: points.reduce((max, p) => Math.max(max, p.out), 0),
      trace: lab.trace?.data() ?? { flowEdges: [], execs: [], appCtl: [], appStarts: [], firstOk: [] },
      load: loadResult,
      loadavg: { before, after },
      labCpuS,
      labEventLoop,
      machineCpuS: machine,
      validateMs,
      labStartMs,
    };
  } finally {
    stopLoad.abort();
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
