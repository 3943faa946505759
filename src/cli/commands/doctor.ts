// `release doctor`: read every director (tables, keepalived.conf, IPVS sysctls, ipvsadm version)
// and every server's health file over SSH, read-only, and check them against the known pitfalls.
import { buildDoctorInput, type DoctorRawDirector } from '../../doctor/input.ts';
import { runDoctorChecks } from '../../doctor/checks.ts';
import { doctorExitCode, formatFindings } from '../../doctor/format.ts';
import { shellQuote } from '../../shell/quote.ts';
import { dryRunSession } from '../../transport/dry-run.ts';
import type { HostSession } from '../../transport/types.ts';
import { writeLine, type CliIo } from '../io.ts';
import { openClusterSessions } from '../sessions.ts';
import { loadConfigOrThrow } from './config.ts';

const SYSCTLS = 'grep -H . /proc/sys/net/ipv4/vs/expire_quiescent_template /proc/sys/net/ipv4/vs/expire_nodest_conn /proc/sys/net/ipv4/vs/conn_reuse_mode';

async function read(session: HostSession, script: string, sudo: boolean, what: string, failed: Record<string, string>): Promise<string | undefined> {
  const result = await session.exec({ script: sudo ? `sudo -n sh -c ${shellQuote(script)}` : script, mutates: false, timeoutMs: 15_000, label: what });
  if (result.ok) return result.stdout;
  failed[what] = result.stderr.trim() || result.error || `exit ${result.exitCode}`;
  return undefined;
}

export async function doctorCommand(io: CliIo, options: { config: string; json?: boolean }): Promise<number> {
  const { cluster, pipeline } = await loadConfigOrThrow(io, options.config);
  const controller = new AbortController();
  // Read-only by construction: every session goes through the dry-run chokepoint.
  const opened = await openClusterSessions(cluster, io.env, controller.signal, (s) => dryRunSession(s, { report: () => {} }));
  try {
    const session = (name: string) => opened.sessions.get(name) as HostSession;
    const directors: DoctorRawDirector[] = await Promise.all(
      cluster.directors.map(async (d) => {
        const failed: Record<string, string> = {};
        const s = session(d.name);
        const [list, thresholds, version, timeout, sysctls, keepalived] = await Promise.all([
          read(s, 'ipvsadm -L -n', d.ssh.sudo, 'ipvsadm -L -n', failed),
          read(s, 'ipvsadm -L -n --thresholds', d.ssh.sudo, 'ipvsadm -L -n --thresholds', failed),
          read(s, 'ipvsadm -v', d.ssh.sudo, 'ipvsadm -v', failed),
          read(s, 'ipvsadm -L --timeout', d.ssh.sudo, 'ipvsadm -L --timeout', failed),
          read(s, `${SYSCTLS} 2>/dev/null || true`, false, 'IPVS sysctls', failed),
          d.keepalived ? read(s, `cat ${shellQuote(d.keepalived)}`, d.ssh.sudo, `cat ${d.keepalived}`, failed) : undefined,
        ]);
        return {
          name: d.name,
          ...(list !== undefined ? { list } : {}),
          ...(thresholds !== undefined ? { thresholds } : {}),
          ...(version !== undefined ? { version } : {}),
          ...(timeout !== undefined ? { timeout } : {}),
          ...(sysctls ? { sysctls } : {}),
          ...(d.keepalived ? { keepalivedPath: d.keepalived } : {}),
          ...(keepalived !== undefined ? { keepalived } : {}),
          ...(Object.keys(failed).length ? { failed } : {}),
        };
      }),
    );
    const healthFiles = Object.fromEntries(
      await Promise.all(
        cluster.realServers
          .filter((s) => s.app.healthFile)
          .map(async (s) => {
            const result = await session(s.name).exec({ script: `test -f ${shellQuote(s.app.healthFile as string)}`, mutates: false, timeoutMs: 15_000 });
            return [s.name, result.ok] as const;
          }),
      ),
    );
    const findings = runDoctorChecks(buildDoctorInput({ cluster, pipeline, directors, healthFiles }));
    if (options.json) writeLine(io.stdout, JSON.stringify({ cluster: cluster.name, findings }));
    else io.stdout.write(formatFindings(findings));
    return doctorExitCode(findings);
  } finally {
    await opened.close();
  }
}
