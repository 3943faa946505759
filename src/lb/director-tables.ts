// The real DirectorTables: ipvsadm over each director's SSH session. Reads go to every director
// in parallel; the commands for one director run one after another, directors in parallel.
import type { Clock } from '../core/clock.ts';
import { isReleaseError } from '../core/errors.ts';
import { buildCommandLine } from '../transport/command.ts';
import { unmetTargets } from './apply.ts';
import { execIpvsadm, readAllTables, type DirectorHandle } from './directors.ts';
import type { CommandOutcome, ConfirmResult, DirectorCommand, DirectorTables, TablesRead } from './types.ts';

export interface DirectorTablesOptions {
  directors: readonly DirectorHandle[];
  sudo: boolean;
  /** Timeout of one ipvsadm command. */
  commandTimeoutMs: number;
  /** Read `--persistent-conn` too when counting (persistent services). */
  persistentConn: boolean;
  /** Between two reads while confirming. */
  pollMs: number;
  clock: Clock;
}

function message(error: unknown): string {
  return isReleaseError(error) || error instanceof Error ? error.message : String(error);
}

export function createDirectorTables(options: DirectorTablesOptions): DirectorTables {
  const { directors, sudo, clock } = options;
  const byName = new Map(directors.map((d) => [d.name, d]));
  const readWith = async (signal: AbortSignal, extra: { thresholds?: boolean; persistentConn?: boolean }): Promise<TablesRead> => {
    try {
      return { ok: true, tables: await readAllTables(directors, { sudo, timeoutMs: options.commandTimeoutMs, signal, ...extra }) };
    } catch (error) {
      return { ok: false, error: message(error) };
    }
  };
  const read = (signal: AbortSignal) => readWith(signal, {});

  const applyOn = async (director: string, commands: readonly DirectorCommand[], signal: AbortSignal): Promise<CommandOutcome[]> => {
    const handle = byName.get(director);
    const outcomes: CommandOutcome[] = [];
    for (const { command } of commands) {
      const line = command.argv.join(' ');
      if (!handle) {
        outcomes.push({ ok: false, command: line, detail: `no director named ${director}` });
        continue;
      }
      const result = await execIpvsadm(handle, command, { sudo, timeoutMs: options.commandTimeoutMs, signal });
      if (result.ok) outcomes.push({ ok: true, command: result.command });
      else {
        const detail = result.connectionLost ? 'SSH connection lost' : result.timedOut ? 'timed out' : `exit ${result.exitCode}: ${result.stderr.trim()}`;
        outcomes.push({ ok: false, command: result.command, detail });
      }
    }
    return outcomes;
  };

  return {
    directors: directors.map((d) => d.name),
    commandLine: ({ command }) => buildCommandLine({ argv: command.argv, mutates: command.mutates, sudo }),
    read,
    readCounters: (signal) => readWith(signal, { thresholds: false, persistentConn: options.persistentConn }),
    async apply(commands, signal) {
      const names = [...new Set(commands.map((c) => c.director))];
      const perDirector = await Promise.all(names.map((name) => applyOn(name, commands.filter((c) => c.director === name), signal)));
      // Back in the order given.
      const queues = new Map(names.map((name, i) => [name, [...(perDirector[i] ?? [])]]));
      return commands.map((c) => queues.get(c.director)?.shift() ?? { ok: false, command: c.command.argv.join(' '), detail: 'not run' });
    },
    async confirm(server, targets, { timeoutMs, signal }): Promise<ConfirmResult> {
      const deadline = clock.now().getTime() + timeoutMs;
      for (;;) {
        const tables = await read(signal);
        const unmet = tables.ok ? unmetTargets(tables.tables, server, targets) : [];
        if (tables.ok && unmet.length === 0) return { ok: true };
        if (clock.now().getTime() >= deadline) return tables.ok ? { ok: false, unmet } : { ok: false, unmet, error: tables.error };
        if (signal.aborted) return { ok: false, unmet, error: 'interrupted' };
        await clock.sleep(options.pollMs, signal).catch(() => undefined);
      }
    },
  };
}
