// `doctor()`: read every director (tables, keepalived.conf, IPVS sysctls, ipvsadm version) and
// every server's health file over SSH, read-only, and check them against the known pitfalls.
import { runDoctorChecks } from '../doctor/checks.ts';
import { buildDoctorInput, type DoctorRawDirector } from '../doctor/input.ts';
import { readDoctorNetwork } from '../doctor/net-reads.ts';
import { directorReads, healthFileRead, type DoctorRead } from '../doctor/reads.ts';
import type { Finding } from '../doctor/types.ts';
import { OUTPUT_SCHEMA_VERSION } from '../events/version.ts';
import type { HostSession } from '../transport/types.ts';
import { loadConfig } from './config.ts';
import { edgesOf } from './edges.ts';
import type { CommonOptions } from './options.ts';
import { withReadOnlySessions } from './read-only.ts';

/** `release doctor --json`. `ok` is false when any finding is an error (the CLI then exits 3). */
export interface DoctorDocument {
  schemaVersion: typeof OUTPUT_SCHEMA_VERSION;
  command: 'doctor';
  cluster: string;
  ok: boolean;
  counts: { error: number; warn: number; info: number };
  findings: Finding[];
}

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

export async function doctor(options: CommonOptions = {}): Promise<DoctorDocument> {
  const edges = edgesOf(options);
  const { cluster, pipeline } = await loadConfig({ ...options, ...edges, onLog: edges.log });
  const findings = await withReadOnlySessions(cluster, edges.env, options.signal, async (session) => {
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
    const network = await readDoctorNetwork({ cluster, session, ...(options.signal ? { signal: options.signal } : {}) });
    return runDoctorChecks(buildDoctorInput({ cluster, pipeline, directors, healthFiles, network }));
  });
  const count = (level: Finding['level']) => findings.filter((f) => f.level === level).length;
  return {
    schemaVersion: OUTPUT_SCHEMA_VERSION,
    command: 'doctor',
    cluster: cluster.name,
    ok: count('error') === 0,
    counts: { error: count('error'), warn: count('warn'), info: count('info') },
    findings,
  };
}
