// End-to-end harness: a real lab (SSH, HTTP, TCP through the VIP), the real CLI run in-process
// against it, load through the VIP while it runs, and the lab's own view for the invariants.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse, stringify } from 'yaml';
import { expect } from 'vitest';
import { run } from '../../src/cli.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { buildArtifact } from '../../src/lab/app/artifact.ts';
import { startLab, type CheckerMode, type Lab } from '../../src/lab/lab.ts';
import { runLoad, type LoadResult } from '../../src/lab/net/load.ts';
import { findDest, findService } from '../../src/lb/pool.ts';
import type { ReleaseEvent } from '../../src/events/types.ts';
import { readJournal } from '../../src/journal/journal.ts';
import { writeReleaseFiles, type ReleaseInfo } from '../../src/lab/app/release.ts';
import type { SshHost } from '../../src/lab/host/ssh-host.ts';

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
  /** TCP state timeouts only (1: the kernel's real 120 s TIME_WAIT); default: timeScale. */
  tcpTimeScale?: number;
  /** `dr`: real servers on 127.0.1.N behind the VIP 127.0.0.100 (Route); default `nat`. */
  forward?: 'nat' | 'dr';
  /** The VIP's address (startLab's vipAddress). */
  vipAddress?: string;
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
    tcpTimeScale: options.tcpTimeScale,
    restartDelayMs: 150,
    ...(options.forward ? { forward: options.forward } : {}),
    ...(options.vipAddress ? { vipAddress: options.vipAddress } : {}),
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
          lab.servers.map((s) => [s.name, (service && findDest(service, { name: s.name, address: s.address, port: s.app.port })?.weight) ?? null]),
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

// ---- Helpers for the window, canary and rollback scenarios (appended; the ones above are shared). ----

/** The lab's journal (`<lab dir>/journal/lab.journal.ndjson`) as events; [] when none was written. */
export function journalEvents(e: E2eLab): ReleaseEvent[] {
  return readJournal(join(e.lab.dir, 'journal', 'lab.journal.ndjson'));
}

/** The journal's events of one type, in order. */
export function eventsOf<T extends ReleaseEvent['type']>(e: E2eLab, type: T): Extract<ReleaseEvent, { type: T }>[] {
  return journalEvents(e).filter((event): event is Extract<ReleaseEvent, { type: T }> => event.type === type);
}

/** Every SSH host of the lab: directors and real servers. */
export function sshHostsOf(e: E2eLab): SshHost[] {
  return [...e.lab.directors.map((d) => e.lab.sshHost(d.name)), ...e.lab.servers.map((s) => s.ssh)].filter((h): h is SshHost => h !== undefined);
}

/** Runs `fn` while every SSH host closes new connections at once, so any connection attempt makes the CLI fail loudly. */
export async function withSshRefused<T>(e: E2eLab, fn: () => Promise<T>): Promise<T> {
  const hosts = sshHostsOf(e);
  for (const h of hosts) h.faults.refuseNew = true;
  try {
    return await fn();
  } finally {
    for (const h of hosts) h.faults.refuseNew = false;
  }
}

/** Writes a cluster file beside the lab's (same relative paths) with top-level keys replaced; returns its path. */
export async function writeClusterVariant(e: E2eLab, name: string, extra: Record<string, unknown>): Promise<string> {
  const cluster = parse(await readFile(e.config, 'utf8')) as Record<string, unknown>;
  const path = join(e.lab.dir, name);
  await writeFile(path, stringify({ ...cluster, ...extra }));
  return path;
}

/** Puts `releases/<id>` on one server ahead of a release (kept by prepare), e.g. a broken one, so only that server fails. */
export async function plantRelease(e: E2eLab, server: string, id: string, release: ReleaseInfo): Promise<void> {
  const host = e.lab.servers.find((s) => s.name === server);
  if (!host) throw new Error(`no lab server ${server}`);
  await writeReleaseFiles(join(host.dir, 'app', 'releases', id), release);
}

/** Servers that were out of the pool on any director at any time since the lab started. */
export function everOut(e: E2eLab): string[] {
  return [...new Set(e.lab.timeline.points().flatMap((p) => p.outServers))].sort();
}

/** Each server's app instance id (new on every start): unchanged = never restarted. */
export function appIds(e: E2eLab): Record<string, number | null> {
  return Object.fromEntries(e.lab.servers.map((s) => [s.name, s.app.status().id]));
}

/** A daily UTC peak window that covers `now` (from now-1h to now+1h; wraps midnight as SPEC allows). */
export function windowAround(now: Date, name: string, extra: Record<string, unknown> = {}): { window: Record<string, unknown>; from: string; to: string } {
  const hhmm = (d: Date) => d.toISOString().slice(11, 16);
  const from = hhmm(new Date(now.getTime() - 3_600_000));
  const to = hhmm(new Date(now.getTime() + 3_600_000));
  return { window: { name, days: 'daily', from, to, ...extra }, from, to };
}

// --- Added for the method, failure, dry-run and output scenarios (append-only below). ---

/** `VIP:VIPPORT` (127.0.0.1 in NAT): the virtual service as ipvsadm's `-t` takes it. */
export function vipOf(e: E2eLab): string {
  return `${e.lab.net.vipAddress}:${e.lab.vip.port}`;
}

/** `127.0.0.1:HTTPPORT` of server `k` (0-based): the real server as ipvsadm's `-r` takes it. */
export function ripOf(e: E2eLab, k: number): string {
  const server = e.lab.servers[k];
  if (!server) throw new Error(`no lab server #${k}`);
  return `${server.address}:${server.app.port}`;
}

/** Sets server `k`'s weight on every director by hand (`ipvsadm -e … -m -w W`), as an operator would. */
export function setWeightOnAllDirectors(e: E2eLab, k: number, weight: number): void {
  for (const d of e.lab.directors) {
    const r = d.ipvsadm(['-e', '-t', vipOf(e), '-r', ripOf(e, k), '-m', '-w', String(weight)]);
    if (r.exitCode !== 0) throw new Error(`ipvsadm -e on ${d.name} failed: ${r.stderr}`);
  }
}

export interface DestChange {
  director: string;
  type: 'dest-added' | 'dest-edited' | 'dest-deleted';
  /** The lab server the destination belongs to (by port), or the port when unknown. */
  server: string;
  weight: number | null;
  at: number;
}

export interface DirectorRecorder {
  /** Every destination change on every director's table (from the emulator's own state). */
  changes: DestChange[];
  /** Every `ipvsadm` argv run on a director through its SSH host (the tool's commands). */
  commands: { director: string; argv: string[] }[];
  stop(): void;
}

/** Records table changes (`state.subscribe`) and the ipvsadm command lines run on every director. */
export function recordDirectors(e: E2eLab): DirectorRecorder {
  const byPort = new Map(e.lab.servers.map((s) => [s.app.port, s.name]));
  const changes: DestChange[] = [];
  const commands: { director: string; argv: string[] }[] = [];
  const undo: (() => void)[] = [];
  for (const d of e.lab.directors) {
    undo.push(
      d.state.subscribe((change) => {
        if (change.type !== 'dest-added' && change.type !== 'dest-edited' && change.type !== 'dest-deleted') return;
        const dest = change.type === 'dest-deleted' ? change.before : change.after;
        changes.push({
          director: d.name,
          type: change.type,
          server: byPort.get(dest.port) ?? String(dest.port),
          weight: change.type === 'dest-deleted' ? null : dest.weight,
          at: Date.now(),
        });
      }),
    );
    // The lab's tool server looks `ipvsadm` up on the director at call time: wrap it to see the argv.
    const original = d.ipvsadm;
    d.ipvsadm = (argv, stdin) => {
      commands.push({ director: d.name, argv: [...argv] });
      return original(argv, stdin);
    };
    undo.push(() => {
      d.ipvsadm = original;
    });
  }
  return {
    changes,
    commands,
    stop: () => {
      for (const u of undo.splice(0)) u();
    },
  };
}

/** True for an ipvsadm argv that changes the table (add, edit, delete, restore, clear, zero…). */
export function isMutatingIpvsadm(argv: readonly string[]): boolean {
  return argv.some((a) => /^-[AEDCRaedZ]$|^--(add|edit|delete|clear|restore|zero)/.test(a));
}

/** sha256 over a directory tree: every entry's relative path, type, mode, size, mtime, symlink target and content. */
export async function hashTree(root: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const { lstat, readdir, readlink } = await import('node:fs/promises');
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const abs = rel === '' ? root : join(root, rel);
    const st = await lstat(abs);
    const kind = st.isSymbolicLink() ? 'l' : st.isDirectory() ? 'd' : st.isFile() ? 'f' : 'o';
    hash.update(`${kind} ${rel} ${st.mode & 0o7777} ${st.mtimeMs}`);
    if (kind === 'l') hash.update(` -> ${await readlink(abs)}`);
    if (kind === 'f') hash.update(` ${st.size} `).update(await readFile(abs));
    hash.update('\n');
    if (kind === 'd') for (const name of (await readdir(abs)).sort()) await walk(rel === '' ? name : join(rel, name));
  };
  await walk('');
  return hash.digest('hex');
}

/** Each server's directory hashed (see hashTree), by server name. */
export async function hashServerDirs(e: E2eLab): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(e.lab.servers.map(async (s) => [s.name, await hashTree(s.dir)] as const)));
}

/** `ipvsadm -S -n` of every director, by name: the configured table, no counters. */
export function saveListings(e: E2eLab): Record<string, string> {
  return Object.fromEntries(e.lab.directors.map((d) => [d.name, d.ipvsadm(['-S', '-n']).stdout]));
}

/** Polls `check` every `everyMs` until it returns true; fails after `timeoutMs` naming `what`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** For failure messages: the load's error samples and the VIP's counters (expired entries, refused backends...). */
export function trafficDiagnosis(e: E2eLab, result: LoadResult): string {
  return JSON.stringify({ failures: failuresOf(result), samples: result.errorSamples, vip: e.lab.vip.counters() });
}

// --- Added for the crash, lock, interrupt and fault scenarios (append-only below). ---

/** Where each server's `current` points (its release id), read from the server's own directory. */
export async function currentReleases(e: E2eLab): Promise<Record<string, string | null>> {
  const { readlink } = await import('node:fs/promises');
  const read = async (dir: string) => {
    try {
      return (await readlink(join(dir, 'app', 'current'))).replace(/\/+$/, '').split('/').pop() ?? null;
    } catch {
      return null;
    }
  };
  return Object.fromEntries(await Promise.all(e.lab.servers.map(async (s) => [s.name, await read(s.dir)] as const)));
}

/** The cluster lock directory on one director, as the tool creates it (`.lvs-release/<cluster>.lock` in its login dir). */
export function lockDirOf(e: E2eLab, director: string, cluster = 'lab'): string {
  return join(e.lab.dir, director, '.lvs-release', `${cluster}.lock`);
}

export interface PlantedOwner {
  user?: string;
  host: string;
  pid: number;
  command?: string;
  startedAt?: string;
}

/** Creates the cluster lock by hand on every director (owner.json + heartbeat), its heartbeat `heartbeatAgeMs` old. */
export async function plantLock(e: E2eLab, owner: PlantedOwner, heartbeatAgeMs: number): Promise<void> {
  const { mkdir, utimes } = await import('node:fs/promises');
  const when = new Date(Date.now() - heartbeatAgeMs);
  for (const d of e.lab.directors) {
    const dir = lockDirOf(e, d.name);
    await mkdir(dir, { recursive: true });
    const full = { token: 'planted0000000000', cluster: 'lab', command: 'release', user: 'deploy', startedAt: when.toISOString(), ...owner };
    await writeFile(join(dir, 'owner.json'), `${JSON.stringify(full)}\n`);
    await writeFile(join(dir, 'heartbeat'), '');
    await utimes(join(dir, 'heartbeat'), when, when);
    await utimes(dir, when, when);
  }
}

/** True when any director still holds a cluster lock directory. */
export async function lockHeld(e: E2eLab): Promise<boolean> {
  const { existsSync } = await import('node:fs');
  return e.lab.directors.some((d) => existsSync(lockDirOf(e, d.name)));
}

export interface IpvsadmFault {
  /** Calls that were failed so far. */
  hits(): number;
  stop(): void;
}

/** Makes the next `times` ipvsadm calls on one director that match `match` fail as the kernel would refuse them (exit 255). */
export function failIpvsadm(e: E2eLab, director: string, match: (argv: readonly string[]) => boolean, times = 1): IpvsadmFault {
  const d = e.lab.directors.find((x) => x.name === director);
  if (!d) throw new Error(`no lab director ${director}`);
  const original = d.ipvsadm;
  let hits = 0;
  d.ipvsadm = (argv, stdin) => {
    if (hits < times && match(argv)) {
      hits++;
      return { stdout: '', stderr: 'Memory allocation problem\n', exitCode: 255 };
    }
    return original(argv, stdin);
  };
  return {
    hits: () => hits,
    stop: () => {
      d.ipvsadm = original;
    },
  };
}

/** Makes the next `times` ipvsadm calls on one director that match `match` never answer (the
 * caller's own timeout ends them), like a director stuck in the kernel. The lab's tool server
 * awaits what the director's `ipvsadm` returns, so a pending promise holds the call open. */
export function hangIpvsadm(e: E2eLab, director: string, match: (argv: readonly string[]) => boolean, times = 1): IpvsadmFault {
  const d = e.lab.directors.find((x) => x.name === director);
  if (!d) throw new Error(`no lab director ${director}`);
  const original = d.ipvsadm;
  let hits = 0;
  d.ipvsadm = ((argv: string[], stdin?: string) => {
    if (hits < times && match(argv)) {
      hits++;
      return new Promise(() => undefined);
    }
    return original(argv, stdin);
  }) as typeof d.ipvsadm;
  return {
    hits: () => hits,
    stop: () => {
      d.ipvsadm = original;
    },
  };
}

/** Matches the ipvsadm argv that changes server `k`'s destination: `-e`/`-a`/`-d` … `-r RIP` (and `-w W` when given). */
export function destChange(e: E2eLab, k: number, op: '-e' | '-a' | '-d', weight?: number): (argv: readonly string[]) => boolean {
  const rip = ripOf(e, k);
  return (argv) => argv[0] === op && argv.includes(rip) && (weight === undefined || argv[argv.indexOf('-w') + 1] === String(weight));
}

let labStarts: Promise<unknown> = Promise.resolve();

/** startE2eLab for files that run labs concurrently: one start at a time in this worker (a start
 * is CPU-heavy), and a lab whose app is down once started is an error, never retried: each app
 * binds its port and keeps it (src/lab/app/app-port.ts), so a down app is a bug to see. */
export function startCheckedLab(options: E2eOptions = {}): Promise<E2eLab> {
  const started = labStarts.then(async () => {
    const e = await startE2eLab(options);
    const down = e.lab.servers.filter((s) => !s.app.status().running).map((s) => s.name);
    if (down.length === 0) return e;
    await e.close();
    throw new Error(`lab apps did not start: ${down.join(', ')}`);
  });
  labStarts = started.catch(() => undefined);
  return started;
}

/** Every server runs `release` (app and `current` agree) and is at weight 100 on every director. */
export async function expectAllOn(e: E2eLab, release: string): Promise<void> {
  const n = e.lab.servers.length;
  expect(Object.values(e.versions())).toEqual(Array(n).fill(release));
  expect(Object.values(await currentReleases(e))).toEqual(Array(n).fill(release));
  for (const [director, weights] of Object.entries(e.weights())) expect(Object.values(weights), director).toEqual(Array(n).fill(100));
}
