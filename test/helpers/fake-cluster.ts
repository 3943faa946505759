// An in-memory LVS cluster for engine tests. Directors are HostSessions that run `ipvsadm` argv
// against the lab's emulator (one IpvsState each); servers are HostSessions with a tiny shell
// model (readlink of current, health-file moves, `ss`, pipeline steps). Every call, table change,
// pool change and engine event lands on one timeline with virtual times, so tests check ORDER.
// NOTE: longer than most files on purpose: the model, the recording and the queries belong together.
import type { Cluster, Director, RealServer, SshSettings } from '../../src/config/types.ts';
import type { EventInput, EventOf, EventType } from '../../src/events/types.ts';
import type { ConnectionEntry, Endpoint, ForwardMethod, ServiceKey } from '../../src/ipvs/model.ts';
import { serviceOptionArgs } from '../../src/ipvs/save.ts';
import { formatEndpoint, sameEndpoint, sameServiceKey } from '../../src/ipvs/address.ts';
import type { DirectorHandle } from '../../src/lb/directors.ts';
import { spawnSync } from 'node:child_process';
import { CONN_REDUCER_AWK } from '../../src/ipvs/conn-live.ts';
import { runIpvsadm } from '../../src/lab/ipvsadm/cli.ts';
import { createIpvsState, type DestSettings, type IpvsChange, type IpvsState } from '../../src/lab/ipvsadm/state.ts';
import { LOCK_FREE_EXIT, LOCK_HELD_EXIT, lockPaths, readLockScript, takeLockScript } from '../../src/lock/commands.ts';
import { buildCommandLine, effectiveArgv } from '../../src/transport/command.ts';
import type { ExecOptions, ExecResult, HostSession, RemoteCommand, UploadRequest, UploadResult } from '../../src/transport/types.ts';
import type { FakeClock } from './fake-clock.ts';

export interface FakeServerSpec {
  name: string;
  /** As ipvsadm lists it. */
  address: string;
  /** Destination port when it differs from the service port (NAT port mapping). */
  port?: number;
  forward?: 'Masq' | 'Route';
  weight?: number;
  thresholds?: { upper: number; lower: number };
  /** What `current` points to (`releases/<id>`); null: no release yet. Default 'r1'. */
  release?: string | null;
  /** ActiveConn on the first director, step by step from the moment the server leaves the pool. */
  connections?: readonly number[];
  /** Persistence templates pointing at it on the first director (a persistent client's), for good. */
  templates?: number;
  healthFile?: string;
}

export interface FakeClusterSpec {
  clock: FakeClock;
  directors?: string[];
  services?: ServiceKey[];
  servers: FakeServerSpec[];
  /** How long each step of a connection script lasts (virtual ms). */
  connectionStepMs?: number;
  sudo?: boolean;
  /** Emulate keepalived's health check: the file gone → weight 0 (inhibit) or deleted, after a delay per director. */
  keepalived?: { delayMs?: number | Record<string, number>; inhibit?: boolean };
  root?: string;
}

export type FakeOutcome = { stdout?: string; stderr?: string; exitCode?: number } | 'timeout' | 'lost' | 'hang';

type EntryBody =
  | {
      kind: 'exec';
      host: string;
      role: 'director' | 'server';
      argv?: string[];
      sudo: boolean;
      line: string;
      mutates: boolean;
      label?: string;
      ok?: boolean;
      counts: Record<string, number>;
    }
  | { kind: 'upload'; host: string; remotePath: string }
  | { kind: 'change'; director: string; change: IpvsChange; by: Actor }
  | { kind: 'pool'; out: string[] }
  | { kind: 'event'; event: EventInput };
export type TimelineEntry = { seq: number; at: number } & EntryBody;
type Actor = 'engine' | 'keepalived' | 'test';

interface Rule {
  host: string;
  match: (line: string) => boolean;
  outcome: FakeOutcome;
  left: number;
  /** Run the real command too (its effect shows), then answer with `outcome`. */
  apply: boolean;
}

export const VIP: ServiceKey = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 };

const SSH: SshSettings = { user: 'deploy', port: 22, knownHosts: '/cfg/known_hosts', sudo: false, connectTimeoutMs: 10_000, maxSessions: 8 };

const servicePort = (key: ServiceKey) => (key.kind === 'addr' ? key.port : 0);

export type FakeCluster = ReturnType<typeof createFakeCluster>;

export function createFakeCluster(spec: FakeClusterSpec) {
  const { clock } = spec;
  const directorNames = spec.directors ?? ['lvs1', 'lvs2'];
  const services = spec.services ?? [VIP];
  const stepMs = spec.connectionStepMs ?? 1000;
  const root = spec.root ?? '/srv/app';
  const timeline: TimelineEntry[] = [];
  const rules: Rule[] = [];
  const hung: (() => void)[] = [];
  let seq = 0;
  let actor: Actor = 'test';
  const record = <B extends EntryBody>(entry: B): B & { seq: number; at: number } => {
    const full = { ...entry, seq: seq++, at: clock.now().getTime() };
    timeline.push(full);
    return full;
  };

  const servers = new Map(
    spec.servers.map((s) => [
      s.name,
      {
        spec: s,
        current: s.release === undefined ? 'r1' : s.release,
        files: new Set(s.healthFile ? [s.healthFile] : []),
        script: [...(s.connections ?? [0])],
        outSince: undefined as number | undefined,
      },
    ]),
  );
  const serverOf = (name: string) => {
    const s = servers.get(name);
    if (!s) throw new Error(`fake cluster: no server ${name}`);
    return s;
  };
  const destOf = (s: FakeServerSpec, key: ServiceKey): DestSettings => ({
    family: 'inet',
    address: s.address,
    port: key.kind === 'fwmark' ? 0 : (s.port ?? key.port),
    forward: (s.forward ?? 'Masq') as ForwardMethod,
    weight: s.weight ?? 100,
    upperThreshold: s.thresholds?.upper ?? 0,
    lowerThreshold: s.thresholds?.lower ?? 0,
  });
  const countOf = (name: string): number => {
    const s = serverOf(name);
    if (s.outSince === undefined) return s.script[0] ?? 0;
    const i = Math.floor((clock.now().getTime() - s.outSince) / stepMs);
    return s.script[Math.min(i, s.script.length - 1)] ?? 0;
  };
  const counts = () => Object.fromEntries([...servers.keys()].map((n) => [n, countOf(n)]));

  // ActiveConn comes from ESTABLISHED entries: the scripted count, on the first director (the MASTER).
  const connectionsOf = (director: string) => ({
    entries(): ConnectionEntry[] {
      if (director !== directorNames[0]) return [];
      return [...servers.values()].flatMap((s) =>
        services.flatMap((key) =>
          key.kind === 'fwmark'
            ? []
            : [
                ...Array.from({ length: countOf(s.spec.name) }, (_, i) => ({
                  protocol: 'TCP',
                  expires: 900,
                  state: 'ESTABLISHED',
                  client: { family: 'inet' as const, address: '198.51.100.7', port: 40000 + i },
                  virtual: { family: key.family, address: key.address, port: key.port },
                  destination: destOf(s.spec, key) as Endpoint,
                  template: false,
                })),
                ...Array.from({ length: s.spec.templates ?? 0 }, (_, i) => ({
                  protocol: 'TCP',
                  expires: 300,
                  state: 'NONE',
                  client: { family: 'inet' as const, address: `198.51.100.${100 + i}`, port: 0 },
                  virtual: { family: key.family, address: key.address, port: key.port },
                  destination: destOf(s.spec, key) as Endpoint,
                  template: true,
                })),
              ],
        ),
      );
    },
  });

  const roundTrips = new Map<string, number>();
  const states = new Map<string, IpvsState>();
  for (const name of directorNames) {
    const state = createIpvsState({ connections: connectionsOf(name) });
    for (const key of services) {
      expectOk(runIpvsadm(state, ['-A', ...serviceOptionArgs(key), '-s', key.kind === 'fwmark' ? 'rr' : 'wlc']));
      for (const s of spec.servers) expectOk(state.addDest(key, destOf(s, key)));
    }
    states.set(name, state);
  }
  const stateOf = (director: string) => {
    const s = states.get(director);
    if (!s) throw new Error(`fake cluster: no director ${director}`);
    return s;
  };

  // A server is out of the pool when any director lacks it, or lists it at weight 0, in any service.
  const outOfPool = (): string[] =>
    [...servers.values()]
      .filter((s) =>
        directorNames.some((d) =>
          stateOf(d)
            .services()
            .some((svc) => {
              if (!services.some((k) => sameServiceKey(k, svc.key))) return false;
              const dest = svc.dests.find((x) => sameEndpoint(x, destOf(s.spec, svc.key)));
              return !dest || dest.weight === 0;
            }),
        ),
      )
      .map((s) => s.spec.name);
  let lastOut = outOfPool();
  const outAtStart = lastOut.length;
  for (const [name, state] of states) {
    state.subscribe((change) => {
      record({ kind: 'change', director: name, change, by: actor });
      const out = outOfPool();
      if (out.join() === lastOut.join()) return;
      const now = clock.now().getTime();
      for (const [n, s] of servers) {
        if (out.includes(n) && !lastOut.includes(n)) s.outSince = now;
        if (!out.includes(n)) s.outSince = undefined;
      }
      lastOut = out;
      record({ kind: 'pool', out });
    });
  }

  // keepalived: the health file's presence decides, each director after its own delay.
  const pending: { due: number; director: string; server: string; up: boolean }[] = [];
  const delayFor = (director: string) => {
    const d = spec.keepalived?.delayMs ?? 0;
    return typeof d === 'number' ? d : (d[director] ?? 0);
  };
  const healthChanged = (server: string, up: boolean) => {
    if (!spec.keepalived) return;
    for (const director of directorNames) pending.push({ due: clock.now().getTime() + delayFor(director), director, server, up });
  };
  const runKeepalived = () => {
    const now = clock.now().getTime();
    const due = pending.filter((p) => p.due <= now);
    if (due.length === 0) return;
    pending.splice(0, pending.length, ...pending.filter((p) => p.due > now));
    actor = 'keepalived';
    for (const p of due) {
      const state = stateOf(p.director);
      const s = serverOf(p.server).spec;
      for (const key of services) {
        const dest = destOf(s, key);
        if (p.up) {
          if (state.editDest(key, dest).ok === false) state.addDest(key, dest);
        } else if (spec.keepalived?.inhibit === false) state.deleteDest(key, dest);
        else state.editDest(key, { ...dest, weight: 0 });
      }
    }
    actor = 'test';
  };

  const takeRule = (host: string, line: string) => {
    const rule = rules.find((r) => r.left > 0 && r.host === host && r.match(line));
    if (rule) rule.left--;
    return rule;
  };

  function sessionFor(host: string, role: 'director' | 'server'): HostSession {
    const target = { name: host, host: `${host}.example.net`, port: 22, user: 'deploy' };
    return {
      target,
      connected: true,
      async exec(command: RemoteCommand, options: ExecOptions = {}): Promise<ExecResult> {
        if (role === 'director' && 'script' in command && DIRECTOR_SCRIPT.test(command.script)) return directorScript(host, command, options);
        return execOne(command, options);
      },
      async upload(request: UploadRequest): Promise<UploadResult> {
        record({ kind: 'upload', host, remotePath: request.remotePath });
        return {
          host,
          localPath: request.localPath,
          remotePath: request.remotePath,
          ok: true,
          bytes: 1,
          durationMs: 0,
          timedOut: false,
          aborted: false,
          connectionLost: false,
        };
      },
      async forward() {
        return { ok: false as const, connectionLost: false, error: 'fake cluster: no forwarding' };
      },
      async reconnect() {},
      async close() {},
    };

    // One command as the host runs it: recorded on the timeline, answered by a rule or the model.
    async function execOne(command: RemoteCommand, options: ExecOptions): Promise<ExecResult> {
      const line = buildCommandLine(command);
      const full = effectiveArgv(command);
      const sudo = full?.[0] === 'sudo' && full[1] === '-n';
      const argv = full && sudo ? full.slice(2) : full;
      const entry = record<Extract<EntryBody, { kind: 'exec' }>>({
        kind: 'exec',
        host,
        role,
        line,
        mutates: command.mutates,
        sudo,
        counts: counts(),
        ...(argv ? { argv } : {}),
        ...(command.label ? { label: command.label } : {}),
      });
      const base = { host, command: line, signal: null, timedOut: false, aborted: false, connectionLost: false, stdout: '', stderr: '', durationMs: 0 };
      const finish = (r: Partial<ExecResult>): ExecResult => {
        const exitCode = r.exitCode === undefined ? 0 : r.exitCode;
        const ok = exitCode === 0 && !r.timedOut && !r.connectionLost && !r.aborted;
        entry.ok = ok;
        return { ...base, ...r, exitCode, ok };
      };
      if (options.signal?.aborted) return finish({ exitCode: null, aborted: true });
      const run = () => {
        actor = 'engine';
        try {
          return role === 'director' ? directorExec(host, argv, command) : serverExec(host, command, argv);
        } finally {
          actor = 'test';
        }
      };
      if (role === 'director') runKeepalived();
      const rule = takeRule(host, line);
      if (!rule) return finish(run());
      if (rule.apply) run();
      const o = rule.outcome;
      if (o === 'timeout') return finish({ exitCode: null, timedOut: true, error: 'timed out' });
      if (o === 'lost') return finish({ exitCode: null, connectionLost: true, error: 'connection lost' });
      if (o === 'hang') {
        await new Promise<void>((resolve) => {
          hung.push(resolve);
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        return finish({ exitCode: null, aborted: true, error: 'aborted' });
      }
      return finish({ stdout: o.stdout ?? '', stderr: o.stderr ?? '', exitCode: o.exitCode ?? 0 });
    }

    // A director script (src/lb/director-script.ts): one round trip, each of its commands run
    // and recorded as if sent alone (rules apply to each), their outputs joined with the markers.
    async function directorScript(host: string, command: Extract<RemoteCommand, { script: string }>, options: ExecOptions): Promise<ExecResult> {
      roundTrips.set(host, (roundTrips.get(host) ?? 0) + 1);
      let stdout = '';
      let stderr = '';
      const base = { host, command: '(director script)', signal: null, aborted: false, durationMs: 0 };
      for (const step of parseDirectorScriptSteps(command.script)) {
        const result = await execOne(
          { argv: step.argv, mutates: MUTATING.has(step.argv[step.argv[0] === 'sudo' ? 3 : 1] ?? ''), label: command.label },
          options,
        );
        if (result.connectionLost || result.timedOut || result.aborted) {
          return {
            ...base,
            ok: false,
            exitCode: null,
            timedOut: result.timedOut,
            aborted: result.aborted,
            connectionLost: result.connectionLost,
            stdout,
            stderr,
          };
        }
        let output = result.stdout + result.stderr;
        let status = result.exitCode ?? 1;
        if (step.reduce) {
          stderr += result.stderr;
          const awk = spawnSync('awk', [CONN_REDUCER_AWK], { input: result.stdout, encoding: 'utf8' });
          output = awk.stdout;
          status = awk.status ?? 1;
        }
        stdout += `${output}\n${step.marker} ${step.id} ${status}\n`;
      }
      return { ...base, ok: true, exitCode: 0, timedOut: false, connectionLost: false, stdout, stderr };
    }
  }

  function directorExec(host: string, argv: string[] | undefined, command: RemoteCommand): Partial<ExecResult> {
    if (!argv) return lockScriptExec(host, command);
    if (LOCK_FILE_TOOLS.includes(argv[0] ?? '')) return lockFileExec(host, argv);
    if (argv[0] !== 'ipvsadm') return { exitCode: 127, stderr: `${argv[0]}: command not found\n` };
    return runIpvsadm(stateOf(host), argv.slice(1));
  }

  // The cluster lock (src/lock): a directory per director holding the owner's JSON and a heartbeat.
  // The two scripts are recognised by their exact text (the builders'), the rest by argv.
  const lockPath = '.lvs-release/test.lock';
  const locks = new Map<string, { owner: string; heartbeatAt: number }>();
  const LOCK_FILE_TOOLS = ['cat', 'touch', 'rm'];
  function heldAnswer(lock: { owner: string; heartbeatAt: number }): string {
    return `${Math.floor((clock.now().getTime() - lock.heartbeatAt) / 1000)}\n${lock.owner}\n`;
  }
  function lockScriptExec(host: string, command: RemoteCommand): Partial<ExecResult> {
    const script = 'script' in command ? command.script : '';
    const lock = locks.get(host);
    if (script === takeLockScript(lockPath).text) {
      if (lock) return { exitCode: LOCK_HELD_EXIT, stdout: heldAnswer(lock) };
      locks.set(host, { owner: String(command.stdin ?? '').trim(), heartbeatAt: clock.now().getTime() });
      return {};
    }
    if (script === readLockScript(lockPath).text) return lock ? { stdout: heldAnswer(lock) } : { exitCode: LOCK_FREE_EXIT };
    return { exitCode: 127, stderr: `fake director: script not modelled: ${script}\n` };
  }
  function lockFileExec(host: string, argv: readonly string[]): Partial<ExecResult> {
    const lock = locks.get(host);
    const files = lockPaths(lockPath);
    const path = argv.at(-1);
    const missing = { exitCode: 1, stderr: `${argv[0]}: ${path}: No such file or directory\n` };
    if (argv[0] === 'cat' && path === files.owner) return lock ? { stdout: `${lock.owner}\n` } : missing;
    if (argv[0] === 'touch' && path === files.heartbeat) {
      if (!lock) return missing;
      lock.heartbeatAt = clock.now().getTime();
      return {};
    }
    if (argv[0] === 'rm' && path === files.dir) {
      locks.delete(host);
      return {};
    }
    return missing;
  }

  function serverExec(host: string, command: RemoteCommand, argv: string[] | undefined): Partial<ExecResult> {
    const s = serverOf(host);
    if (argv) {
      if (argv[0] === 'readlink') return s.current === null ? { exitCode: 1 } : { stdout: `releases/${s.current}\n` };
      if (argv[0] === 'ss') return { stdout: Array.from({ length: countOf(host) }, (_, i) => `0 0 ${s.spec.address}:80 198.51.100.7:${40000 + i}\n`).join('') };
      return {};
    }
    const script = 'script' in command ? command.script : '';
    const move = /mv -f -- (\S+) (\S+);/.exec(script);
    if (move) {
      const [from, to] = [unquote(move[1] ?? ''), unquote(move[2] ?? '')];
      if (s.files.has(from)) {
        s.files.delete(from);
        s.files.add(to);
        if (from === s.spec.healthFile) healthChanged(host, false);
        if (to === s.spec.healthFile) healthChanged(host, true);
        return {};
      }
      return s.files.has(to) ? {} : { exitCode: 1, stderr: `neither ${from} nor ${to} exists\n` };
    }
    const link = /ln -sfn releases\/(\S+) \S*current/.exec(script);
    if (link) s.current = unquote(link[1] ?? '');
    const verify = /^verify (\S+)/.exec(script);
    if (verify && unquote(verify[1] ?? '') !== s.current) return { exitCode: 1, stderr: `current is ${s.current}\n` };
    return {};
  }

  const sessions = new Map<string, HostSession>([
    ...directorNames.map((d) => [d, sessionFor(d, 'director')] as const),
    ...spec.servers.map((s) => [s.name, sessionFor(s.name, 'server')] as const),
  ]);
  const sessionOf = (name: string) => sessions.get(name) as HostSession;
  const ssh = { ...SSH, sudo: spec.sudo ?? false };
  const directors: Director[] = directorNames.map((name) => ({ host: `${name}.example.net`, name, ssh }));
  const realServers: RealServer[] = spec.servers.map((s) => {
    const firstAddr = services.find((k) => k.kind === 'addr');
    const port = s.port ?? (firstAddr ? servicePort(firstAddr) : 0);
    return {
      host: `${s.name}.example.net`,
      name: s.name,
      address: s.address,
      family: 'inet',
      port,
      destinations: services.map((key) => ({ service: key, endpoint: { family: 'inet', address: s.address, port: s.port ?? servicePort(key) } })),
      ssh,
      app: { root, ...(s.healthFile ? { healthFile: s.healthFile } : {}), smoke: { scheme: 'http', port } },
    };
  });
  const cluster: Cluster = {
    name: 'test',
    file: '/cfg/release.yaml',
    directors,
    services: services.map((key) => ({ key })),
    realServers,
    concurrency: 4,
    peakWindows: undefined,
    pipelineFile: '/cfg/pipeline.yaml',
    journalDir: '/cfg/.release',
    lock: { path: lockPath, staleAfterMs: 120_000, heartbeatMs: 15_000 },
  };

  const execs = (host?: string) =>
    timeline.filter((e): e is Extract<TimelineEntry, { kind: 'exec' }> => e.kind === 'exec' && (host === undefined || e.host === host));

  return {
    clock,
    cluster,
    sessions,
    timeline,
    directorHandles: directorNames.map((name): DirectorHandle => ({ name, session: sessionOf(name) })),
    session: sessionOf,
    state: stateOf,
    server: serverOf,
    /** Records an engine event on the timeline (use as `emit`). */
    emit: (event: EventInput) => void record({ kind: 'event', event }),
    /** Runs ipvsadm on a director as the test (setup, or "someone else" changing the table). */
    ipvsadm: (director: string, argv: string[]) => runIpvsadm(stateOf(director), argv),
    /** The weight a director shows for a server in a service (first service by default); null = absent. */
    weight(server: string, director: string, key: ServiceKey = services[0] as ServiceKey): number | null {
      const svc = stateOf(director)
        .services()
        .find((x) => sameServiceKey(x.key, key));
      return svc?.dests.find((d) => sameEndpoint(d, destOf(serverOf(server).spec, key)))?.weight ?? null;
    },
    dest: (server: string, key: ServiceKey = services[0] as ServiceKey) => formatEndpoint(destOf(serverOf(server).spec, key)),
    connections: countOf,
    /** Answer commands on `host` whose command line matches with `outcome` (`times` times; `apply`: run it too). */
    on(host: string, match: RegExp | ((line: string) => boolean), outcome: FakeOutcome, options: { times?: number; apply?: boolean } = {}) {
      rules.push({
        host,
        match: match instanceof RegExp ? (l) => match.test(l) : match,
        outcome,
        left: options.times ?? Infinity,
        apply: options.apply ?? false,
      });
    },
    releaseHung: () => {
      for (const r of hung.splice(0)) r();
    },
    /** Execs (round trips) a director received for director scripts. */
    roundTrips: (director: string) => roundTrips.get(director) ?? 0,
    execs,
    /** Mutating ipvsadm commands sent to directors (argv with sudo stripped), in order. */
    ipvsWrites: (director?: string) =>
      execs(director).flatMap((e) => (e.role === 'director' && e.mutates && e.argv?.[0] === 'ipvsadm' ? [{ ...e, argv: e.argv }] : [])),
    /** The lock each director holds now: the owner's JSON, or undefined. */
    lockOn: (director: string) => locks.get(director)?.owner,
    /** Someone else holds the lock on a director, last heartbeat `ageMs` ago. */
    holdLock(director: string, owner: object, ageMs = 0) {
      locks.set(director, { owner: JSON.stringify(owner), heartbeatAt: clock.now().getTime() - ageMs });
    },
    changes: () => timeline.filter((e): e is Extract<TimelineEntry, { kind: 'change' }> => e.kind === 'change'),
    events<T extends EventType>(type: T) {
      return timeline.flatMap((e) =>
        e.kind === 'event' && e.event.type === type ? [{ seq: e.seq, at: e.at, ...(e.event as Omit<EventOf<T>, 'at' | 'runId'>) }] : [],
      );
    },
    /** The most servers out of the pool at any instant, from the recorded table changes. */
    maxOut: () => Math.max(outAtStart, ...timeline.map((e) => (e.kind === 'pool' ? e.out.length : 0))),
    outOfPool,
  };
}

function expectOk(result: { exitCode: number; stderr: string } | { ok: boolean }): void {
  if ('ok' in result ? !result.ok : result.exitCode !== 0) throw new Error(`fake cluster setup failed: ${JSON.stringify(result)}`);
}

// Undo shellQuote for the words the engine sends ('a b' and bare words).
function unquote(word: string): string {
  return word.startsWith("'") ? word.slice(1, -1).replaceAll("'\\''", "'") : word;
}

const DIRECTOR_SCRIPT = /printf '\\n%s %s %s\\n' '?@@[0-9a-f]+'? /;
const MUTATING = new Set(['-e', '-a', '-d', '-A', '-E', '-D', '-C', '-R', '-Z']);

/** Shell words of one line: bare words, '...' (with '\\'' inside), "..." and backslash escapes. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word += line.slice(i + 1, end);
      i = end;
      has = true;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      word += line.slice(i + 1, end);
      i = end;
      has = true;
    } else if (c === '\\') {
      word += line[i + 1] ?? '';
      i++;
      has = true;
    } else if (c === ' ') {
      if (has) words.push(word);
      word = '';
      has = false;
    } else {
      word += c;
      has = true;
    }
  }
  if (has) words.push(word);
  return words;
}

/** The steps of a director script, as buildDirectorScript writes them (one per line). */
function parseDirectorScriptSteps(script: string): { argv: string[]; reduce: boolean; marker: string; id: string }[] {
  return script.split('\n').map((line) => {
    const words = shellWords(line);
    const printf = words.indexOf('printf');
    const head = words.slice(0, printf);
    const cut = head.findIndex((w) => w === '2>&1' || w === '|' || w === '2>&1;' || w.endsWith(';'));
    const argv = head.slice(0, cut === -1 ? head.length : cut).map((w) => w.replace(/;$/, ''));
    return { argv, reduce: head.includes('|'), marker: words[printf + 2] as string, id: words[printf + 3] as string };
  });
}
