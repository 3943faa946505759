// The real DirectorTables: one worker per director that sends one exec at a time over that
// director's SSH session and gathers into it everything asked meanwhile. The ipvsadm changes of a
// whole batch go in one exec with the reads that confirm them; every server waiting on the tables
// or on the connections shares the next read. So a batch of 50 costs a director a handful of
// execs per step, not 50 (and never more channels than one). Once a table shows a Tunnel dest,
// every read also lists `--tun-info` (step U), so an edit re-sends the tunnel's type, port and
// checksum (`-e` resets what it is not given, LVS.md §3.1).
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { connListCommand, listCommand, tunInfoListCommand, type IpvsCommand } from '../ipvs/commands.ts';
import { parseConnGroups, type ConnGroup } from '../ipvs/conn-live.ts';
import { parseIpvsList } from '../ipvs/list-parse.ts';
import type { IpvsTable } from '../ipvs/model.ts';
import { overlayListing, overlaySave } from '../ipvs/overlay.ts';
import { parseTunInfoList } from '../ipvs/tun-info.ts';
import { buildCommandLine } from '../transport/command.ts';
import type { ExecResult } from '../transport/types.ts';
import { unmetTargets } from './apply.ts';
import { buildDirectorScript, parseDirectorScript, type ScriptStep } from './director-script.ts';
import type { DirectorHandle } from './directors.ts';
import type { CommandOutcome, ConfirmResult, ConnectionsRead, DirectorCommand, DirectorTables, TablesRead } from './types.ts';

export interface DirectorTablesOptions {
  directors: readonly DirectorHandle[];
  sudo: boolean;
  /** Timeout of one exec. */
  commandTimeoutMs: number;
  /** Read `--persistent-conn` too (persistent services: PersistConn); asked at each read. */
  persistentConn: () => boolean;
  /** Reads (not changes) start at most this often per director: polling never grows with the waiters. */
  minReadIntervalMs: number;
  /** Between two reads of a confirmation that is not met yet. */
  confirmPollMs: number;
  clock: Clock;
  /** Counts every exec sent, per director (benchmarks). */
  onExec?: (director: string) => void;
}

type Settle<T> = { resolve: (value: T) => void };
type ReadResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The tables of one director from the script's listing steps; throws on output it cannot parse. */
function tableOf(outputs: Map<string, { exitCode: number; output: string }>): IpvsTable {
  const base = parseIpvsList(outputs.get('L')?.output ?? '');
  let services = base.services;
  const thresholds = outputs.get('T');
  if (thresholds) services = overlayListing(services, parseIpvsList(thresholds.output));
  const persistent = outputs.get('P');
  if (persistent) services = overlayListing(services, parseIpvsList(persistent.output));
  // NOTE: ipvsadm before 1.31 has no --tun-info (and can only set ipip): then U failed, nothing to add.
  const tunnels = outputs.get('U');
  if (tunnels?.exitCode === 0) services = overlaySave(services, parseTunInfoList(tunnels.output));
  return { connTableSize: base.connTableSize ?? 4096, services };
}

const hasTunnel = (table: IpvsTable) => table.services.some((s) => s.dests.some((d) => d.forward === 'Tunnel'));

function whyNot(result: ExecResult, step?: { exitCode: number; output: string }): string {
  if (result.connectionLost) return 'SSH connection lost';
  if (result.timedOut) return 'timed out';
  if (step) return `exit ${step.exitCode}: ${step.output.trim() || result.stderr.trim() || 'no output'}`;
  return `exit ${result.exitCode ?? result.signal}: ${result.stderr.trim() || result.error || 'no output'}`;
}

/** One director's worker: a queue of changes and two kinds of waiting readers, one exec at a time. */
function directorWorker(director: DirectorHandle, options: DirectorTablesOptions) {
  const { sudo, clock } = options;
  let busy = false;
  let lastReadStart = Number.NEGATIVE_INFINITY;
  let pacing = false;
  let changes: { command: IpvsCommand; thenCount: boolean; settle: Settle<CommandOutcome> }[] = [];
  /** The connections read by the exec of our last change, after it (none when it read none). */
  let latestConns: { startedAt: number; groups: ConnGroup[] } | undefined;
  /** The last table read: every exec with changes reads the tables after them, so it is never older than our last change. */
  let latest: IpvsTable | undefined;
  let tableWaiters: Settle<ReadResult<IpvsTable>>[] = [];
  /** A table showed a Tunnel dest: list --tun-info with every read from then on (unless this ipvsadm cannot). */
  let tunnels: 'no' | 'yes' | 'unsupported' = 'no';
  let connWaiters: Settle<ReadResult<ConnGroup[]>>[] = [];
  const argvOf = (command: IpvsCommand) => (sudo ? ['sudo', '-n', ...command.argv] : command.argv);

  const exec = async (steps: ScriptStep[], mutates: boolean): Promise<{ result: ExecResult; outputs: Map<string, { exitCode: number; output: string }> }> => {
    const nonce = randomBytes(10).toString('hex');
    const script = buildDirectorScript(steps, nonce).text;
    const once = async () => {
      options.onExec?.(director.name);
      const result = await director.session.exec({ script, mutates, timeoutMs: options.commandTimeoutMs, label: mutates ? 'ipvsadm changes' : 'ipvsadm read' });
      return { result, outputs: parseDirectorScript(result.stdout, nonce) };
    };
    let attempt = await once();
    // A read that lost its connection is asked again (reading twice is harmless); a change never
    // is: the caller reads the tables to learn whether it took effect.
    for (let i = 1; !mutates && attempt.result.connectionLost && i <= 3; i++) attempt = await once();
    return attempt;
  };

  const run = async (): Promise<void> => {
    const now = clock.now().getTime();
    const batch = changes;
    const tables = tableWaiters;
    const conns = connWaiters;
    if (batch.length === 0 && now - lastReadStart < options.minReadIntervalMs) {
      // Only reads: wait for the interval (changes arriving meanwhile start at once).
      busy = false;
      if (!pacing) {
        pacing = true;
        void clock.sleep(options.minReadIntervalMs - (now - lastReadStart)).then(() => {
          pacing = false;
          kick();
        });
      }
      return;
    }
    changes = [];
    tableWaiters = [];
    connWaiters = [];
    // Changes always come back with the tables that confirm them.
    const wantTables = batch.length > 0 || tables.length > 0;
    const wantConns = conns.length > 0 || batch.some((c) => c.thenCount);
    const persistent = wantTables && options.persistentConn();
    const steps: ScriptStep[] = [
      ...batch.map((c, i) => ({ id: `c${i}`, argv: argvOf(c.command) })),
      ...(wantTables
        ? [
            { id: 'L', argv: argvOf(listCommand()) },
            { id: 'T', argv: argvOf(listCommand({ mode: 'thresholds' })) },
          ]
        : []),
      ...(persistent ? [{ id: 'P', argv: argvOf(listCommand({ mode: 'persistent-conn' })) }] : []),
      ...(wantTables && tunnels === 'yes' ? [{ id: 'U', argv: argvOf(tunInfoListCommand()) }] : []),
      ...(wantConns ? [{ id: 'C', argv: argvOf(connListCommand()), reduceConnections: true }] : []),
    ];
    const startedAt = clock.now().getTime();
    // NOTE: only a read paces the next one: the first count after a quiesce starts at once.
    if (batch.length === 0) lastReadStart = startedAt;
    // A change makes every earlier connection read stale (C runs after this exec's changes).
    if (batch.length > 0) latestConns = undefined;
    const { result, outputs } = await exec(steps, batch.length > 0);
    const unlisted = outputs.get('U');
    if (unlisted && unlisted.exitCode !== 0) tunnels = 'unsupported';
    batch.forEach((c, i) => {
      const step = outputs.get(`c${i}`);
      const line = buildCommandLine({ argv: c.command.argv, mutates: true, sudo });
      if (step?.exitCode === 0) c.settle.resolve({ ok: true, command: line });
      else if (step) c.settle.resolve({ ok: false, command: line, detail: `exit ${step.exitCode}: ${step.output.trim()}` });
      // NOTE: a lost connection ended the exec with its commands (sshd hangs the session up), so the
      // tables tell whether this one ran; a timed-out one may still be running: not unknown, failed.
      else c.settle.resolve({ ok: false, command: line, detail: whyNot(result), ...(result.connectionLost ? { unknown: true as const } : {}) });
    });
    if (wantTables) {
      const listed = ['L', 'T', ...(persistent ? ['P'] : [])].map((id) => [id, outputs.get(id)] as const);
      const failed = listed.find(([, step]) => step?.exitCode !== 0);
      let read: ReadResult<IpvsTable>;
      if (failed) read = { ok: false, error: `could not read the IPVS table on director ${director.name}: ${whyNot(result, failed[1])}` };
      else {
        try {
          let table = tableOf(outputs);
          // The first table with a Tunnel dest: its tunnel settings are read before anyone sees it.
          if (tunnels === 'no' && hasTunnel(table)) {
            tunnels = 'yes';
            const extra = await exec([{ id: 'U', argv: argvOf(tunInfoListCommand()) }], false);
            const listed = extra.outputs.get('U');
            if (listed?.exitCode === 0) table = tableOf(new Map([...outputs, ['U', listed]]));
            else if (listed) tunnels = 'unsupported';
            else throw new Error(`ipvsadm -L -n --tun-info did not answer (${whyNot(extra.result)})`);
          }
          read = { ok: true, value: table };
          latest = read.value;
        } catch (error) {
          read = { ok: false, error: `could not parse ipvsadm output from director ${director.name}: ${(error as Error).message}` };
        }
      }
      for (const w of tables) w.resolve(read);
    }
    if (wantConns) {
      const step = outputs.get('C');
      let read: ReadResult<ConnGroup[]>;
      if (step?.exitCode !== 0) read = { ok: false, error: `could not read the connection table on director ${director.name}: ${whyNot(result, step)}` };
      else {
        try {
          read = { ok: true, value: parseConnGroups(step.output) };
        } catch (error) {
          read = { ok: false, error: `director ${director.name}: ${(error as Error).message}` };
        }
      }
      // NOTE: only a count read after our own change is kept: one read before an outside change
      // (keepalived quiescing a server whose health file went away) must never end its drain.
      if (read.ok && batch.length > 0) latestConns = { startedAt, groups: read.value };
      for (const w of conns) w.resolve(read);
    }
    busy = false;
    kick();
  };

  const kick = () => {
    if (busy || (pacing && changes.length === 0) || (changes.length === 0 && tableWaiters.length === 0 && connWaiters.length === 0)) return;
    busy = true;
    // NOTE: next turn of the event loop, so everything asked in this turn (a whole batch) rides along.
    setImmediate(() => {
      void run().catch((error: unknown) => {
        // A bug in the worker must not leave waiters hanging (a server left drained): fail them all.
        const error_ = `internal error reading director ${director.name}: ${(error as Error).message}`;
        for (const c of changes.splice(0)) c.settle.resolve({ ok: false, command: c.command.argv.join(' '), detail: error_ });
        for (const w of tableWaiters.splice(0)) w.resolve({ ok: false, error: error_ });
        for (const w of connWaiters.splice(0)) w.resolve({ ok: false, error: error_ });
        busy = false;
      });
    });
  };

  const wait = <T>(queue: Settle<ReadResult<T>>[], signal: AbortSignal): Promise<ReadResult<T>> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve({ ok: false, error: 'interrupted' });
      const onAbort = () => resolve({ ok: false, error: 'interrupted' });
      signal.addEventListener('abort', onAbort, { once: true });
      queue.push({
        resolve: (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
      });
      kick();
    });

  return {
    change: (command: IpvsCommand, thenCount: boolean): Promise<CommandOutcome> =>
      new Promise((resolve) => {
        changes.push({ command, thenCount, settle: { resolve } });
        kick();
      }),
    table: (signal: AbortSignal, recent = false): Promise<ReadResult<IpvsTable>> =>
      recent && latest !== undefined ? Promise.resolve({ ok: true, value: latest }) : wait(tableWaiters, signal),
    latest: () => latest,
    connections: (signal: AbortSignal, recent = false): Promise<ReadResult<ConnGroup[]>> =>
      recent && latestConns && clock.now().getTime() - latestConns.startedAt < options.minReadIntervalMs
        ? Promise.resolve({ ok: true, value: latestConns.groups })
        : wait(connWaiters, signal),
  };
}

export function createDirectorTables(options: DirectorTablesOptions): DirectorTables {
  const { directors } = options;
  const workers = new Map(directors.map((d) => [d.name, directorWorker(d, options)]));
  const worker = (name: string) => workers.get(name);

  const read = async (signal: AbortSignal, recent = false): Promise<TablesRead> => {
    const results = await Promise.all(
      directors.map(async (d) => [d.name, await (worker(d.name) as ReturnType<typeof directorWorker>).table(signal, recent)] as const),
    );
    const failed = results.find(([, r]) => !r.ok);
    if (failed && !failed[1].ok) return { ok: false, error: failed[1].error };
    return { ok: true, tables: new Map(results.map(([name, r]) => [name, (r as { value: IpvsTable }).value])) };
  };

  return {
    directors: directors.map((d) => d.name),
    commandLine: ({ command }) => buildCommandLine({ argv: command.argv, mutates: command.mutates, sudo: options.sudo }),
    read: (signal, options) => read(signal, options?.recent ?? false),
    async readConnections(signal, options): Promise<ConnectionsRead> {
      const results = await Promise.all(
        directors.map(
          async (d) => [d.name, await (worker(d.name) as ReturnType<typeof directorWorker>).connections(signal, options?.recent ?? false)] as const,
        ),
      );
      const failed = results.find(([, r]) => !r.ok);
      if (failed && !failed[1].ok) return { ok: false, error: failed[1].error };
      return { ok: true, groups: new Map(results.map(([name, r]) => [name, (r as { value: ConnGroup[] }).value])) };
    },
    async apply(commands: readonly DirectorCommand[], _signal, options) {
      return Promise.all(
        commands.map(
          (c) =>
            worker(c.director)?.change(c.command, options?.thenCount ?? false) ??
            Promise.resolve<CommandOutcome>({ ok: false, command: c.command.argv.join(' '), detail: `no director named ${c.director}` }),
        ),
      );
    },
    async confirm(server, targets, { timeoutMs, signal }): Promise<ConfirmResult> {
      const deadline = options.clock.now().getTime() + timeoutMs;
      // The tables read right after our changes (same exec) usually confirm them already.
      const cached = directors.map((d) => [d.name, worker(d.name)?.latest()] as const);
      if (cached.every(([, t]) => t !== undefined) && unmetTargets(new Map(cached as [string, IpvsTable][]), server, targets).length === 0) return { ok: true };
      for (;;) {
        // Each read starts after this call: it shows every change applied before.
        const tables = await read(signal);
        const unmet = tables.ok ? unmetTargets(tables.tables, server, targets) : [];
        if (tables.ok && unmet.length === 0) return { ok: true };
        if (signal.aborted) return { ok: false, unmet, error: 'interrupted' };
        if (options.clock.now().getTime() >= deadline) return tables.ok ? { ok: false, unmet } : { ok: false, unmet, error: tables.error };
        await options.clock.sleep(options.confirmPollMs, signal).catch(() => undefined);
      }
    },
  };
}
