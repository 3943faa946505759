// `release doctor`: read every director (tables, keepalived.conf, IPVS sysctls, ipvsadm version)
// and every server's health file over SSH, read-only, and check them against the known pitfalls.
import { buildDoctorInput, type DoctorRawDirector } from '../../doctor/input.ts';
import { runDoctorChecks } from '../../doctor/checks.ts';
import { doctorExitCode, formatFindings } from '../../doctor/format.ts';
import { directorReads, healthFileRead, type DoctorRead } from '../../doctor/reads.ts';
import { dryRunSession } from '../../transport/dry-run.ts';
import type { HostSession } from '../../transport/types.ts';
import { writeLine, type CliIo } from '../io.ts';
import { openClusterSessions } from '../sessions.ts';
import { loadConfigOrThrow } from './config.ts';

/** Runs one read; its stdout, or undefined with the reason in `failed` (unless the read is quiet). */
async function read(session: HostSession, r: DoctorRead, failed: Record<string, string>): Promise<string | undefined> {
  const result = await session.exec(r.command);
  if (result.ok || (result.exitCode !== null && (r.acceptExit ?? []).includes(result.exitCode) && result.stdout !== '')) return result.stdout;
  if (!r.quiet) failed[r.what] = result.stderr.trim() || result.error || `exit ${result.exitCode}`;
  return undefined;
}

/** Every read of one director, as the raw texts buildDoctorInput parses. */
async function readDirector(session: HostSession, director: { name: string; keepalived?: string; ssh: { sudo: boolean } }): Promise<DoctorRawDirector> {
  const { reads, refused } = directorReads({ sudo: director.ssh.sudo, ...(director.keepalived !== undefined ? { keepalived: director.keepalived } : {}) });
  const failed: Record<string, string> = { ...refused };
  const texts = await Promise.all(reads.map(async (r) => [r.field, await read(session, r, failed)] as const));
  const raw: DoctorRawDirector = { name: director.name, ...(director.keepalived !== undefined ? { keepalivedPath: director.keepalived } : {}) };
  for (const [field, text] of texts) {
    if (text === undefined || (field === 'sysctls' && text === '')) continue;
    raw[field] = text;
  }
  if (Object.keys(failed).length) raw.failed = failed;
  return raw;
}

export async function doctorCommand(io: CliIo, options: { config: string; json?: boolean }): Promise<number> {
  const { cluster, pipeline } = await loadConfigOrThrow(io, options.config);
  const controller = new AbortController();
  // Read-only by construction: every session goes through the dry-run chokepoint.
  const opened = await openClusterSessions(cluster, io.env, controller.signal, (s) => dryRunSession(s, { report: () => {} }));
  try {
    const session = (name: string) => opened.sessions.get(name) as HostSession;
    const directors = await Promise.all(cluster.directors.map((d) => readDirector(session(d.name), d)));
    const healthFiles = Object.fromEntries(
      await Promise.all(
        cluster.realServers
          .filter((s) => s.app.healthFile)
          .map(async (s) => {
            const result = await session(s.name).exec(healthFileRead(s.app.healthFile as string));
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
