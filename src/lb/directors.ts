// Reads every director's IPVS table over SSH: `-L -n` for methods, weights and counts, plus
// `--thresholds` (the -x/-y that -e would otherwise reset) and, for persistent services,
// `--persistent-conn`. Directors are read in parallel; a director that cannot be read is an error.
import { ReleaseError } from '../core/errors.ts';
import { listCommand, type IpvsCommand } from '../ipvs/commands.ts';
import { parseIpvsList } from '../ipvs/list-parse.ts';
import type { IpvsTable } from '../ipvs/model.ts';
import { overlayListing } from '../ipvs/overlay.ts';
import type { ExecResult, HostSession } from '../transport/types.ts';

export interface DirectorHandle {
  name: string;
  session: HostSession;
}

export interface IpvsExecOptions {
  sudo: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs one ipvsadm command on a director, through `sudo -n` when configured. A read that lost
 * its connection is asked again (reading twice is harmless); a change never is: its caller
 * re-reads the tables to learn whether it took effect. */
export async function execIpvsadm(director: DirectorHandle, command: IpvsCommand, options: IpvsExecOptions): Promise<ExecResult> {
  const once = () =>
    director.session.exec(
      { argv: command.argv, mutates: command.mutates, sudo: options.sudo, timeoutMs: options.timeoutMs, label: 'ipvsadm' },
      options.signal ? { signal: options.signal } : {},
    );
  // A read that never ran to an exit status (the connection dropped before or during it).
  const lost = (r: ExecResult) => r.connectionLost || (r.exitCode === null && r.signal === null && !r.timedOut && !r.aborted);
  let result = await once();
  for (let attempt = 1; !command.mutates && lost(result) && attempt <= 3 && !options.signal?.aborted; attempt++) {
    result = await once();
  }
  return result;
}

function readFailure(director: string, result: ExecResult): ReleaseError {
  const why = result.connectionLost
    ? 'the SSH connection was lost'
    : result.timedOut
      ? 'it timed out'
      : `exit ${result.exitCode ?? result.signal}: ${result.stderr.trim() || result.error || 'no output'}`;
  return new ReleaseError('PREFLIGHT_FAILED', `Could not read the IPVS table on director ${director} (${result.command}): ${why}.`, {
    hint: 'Check that ipvsadm runs there for the SSH user (with ssh.sudo: true if it needs root).',
    details: { director },
  });
}

/** Reads one director's table with thresholds (and persistence templates when asked). */
export async function readDirectorTable(
  director: DirectorHandle,
  options: IpvsExecOptions & { persistentConn?: boolean; thresholds?: boolean },
): Promise<IpvsTable> {
  const run = async (mode: 'default' | 'thresholds' | 'persistent-conn') => {
    const result = await execIpvsadm(director, listCommand({ mode }), options);
    if (!result.ok) throw readFailure(director.name, result);
    try {
      return parseIpvsList(result.stdout);
    } catch (error) {
      throw new ReleaseError('PREFLIGHT_FAILED', `Could not parse ipvsadm output from director ${director.name}: ${(error as Error).message}`, {
        hint: 'lvs-release reads ipvsadm 1.26-1.31 output; run `ipvsadm -L -n` there and report the output if it looks normal.',
        details: { director: director.name },
      });
    }
  };
  const [base, thresholds, persistent] = await Promise.all([
    run('default'),
    options.thresholds === false ? undefined : run('thresholds'),
    options.persistentConn ? run('persistent-conn') : undefined,
  ]);
  let services = thresholds ? overlayListing(base.services, thresholds) : base.services;
  if (persistent) services = overlayListing(services, persistent);
  return { connTableSize: base.connTableSize ?? 4096, services };
}

/** Reads every director in parallel; throws the first failure after all have answered. */
export async function readAllTables(
  directors: readonly DirectorHandle[],
  options: IpvsExecOptions & { persistentConn?: boolean; thresholds?: boolean },
): Promise<Map<string, IpvsTable>> {
  const settled = await Promise.allSettled(directors.map((d) => readDirectorTable(d, options)));
  const tables = new Map<string, IpvsTable>();
  settled.forEach((outcome, i) => {
    const director = directors[i];
    if (!director) return;
    if (outcome.status === 'rejected') throw outcome.reason;
    tables.set(director.name, outcome.value);
  });
  return tables;
}
