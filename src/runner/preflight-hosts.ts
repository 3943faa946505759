// The preflight's network and keepalived side (issue 11): what the directors and the DR/TUN real
// servers say about themselves, judged by the same rules as doctor (src/hosts, src/doctor). A
// proven problem refuses the run before anything is drained (exit 3, with the exact fix); a fact
// that could not be read is a warning (skipped, never passed).
import { PIPELINE_DEFAULTS } from '../config/defaults.ts';
import type { Cluster, Pipeline } from '../config/types.ts';
import type { WarningCode } from '../core/warnings.ts';
import { keepalivedVerdicts } from '../doctor/release-checks.ts';
import type { DoctorDirector, DoctorInput } from '../doctor/types.ts';
import { EXPIRE_QUIESCENT, IP_FORWARD, ipForwardProblem, vipHolderProblems, vipHoldings, type DirectorNet, type VipHolding } from '../hosts/director.ts';
import { readKeepalivedText, type KeepalivedText } from '../hosts/keepalived-read.ts';
import { networkNeeds, type NetworkNeeds } from '../hosts/needs.ts';
import { readHostNet } from '../hosts/read.ts';
import { checkRealServer } from '../hosts/real-server.ts';
import type { HostCheckResult, HostNetFacts, HostProblem } from '../hosts/types.ts';
import type { IpvsTable } from '../ipvs/model.ts';
import { parseKeepalivedConf } from '../keepalived/parse.ts';
import type { DirectorHandle } from '../lb/directors.ts';
import type { HostSession } from '../transport/types.ts';

export interface PreflightNetwork {
  needs: NetworkNeeds;
  /** The DR/TUN real servers' checks. */
  servers: HostCheckResult[];
  directors: DirectorNet[];
  /** Which director holds each VIP. */
  holdings: VipHolding[];
  /** net.ipv4.vs.expire_quiescent_template per director, where read. */
  expireQuiescent: Record<string, number>;
  keepalived: KeepalivedText[];
}

export type PreflightWarning = { code: WarningCode; message: string; server?: string; director?: string };
export interface Refusal {
  message: string;
  hint: string;
}

/** Stage 1 (beside the tables): each director's addresses, ip_forward and expire_quiescent_template, and keepalived.conf. */
export async function readDirectorsHosts(cluster: Pick<Cluster, 'directors'>, directors: readonly DirectorHandle[], signal?: AbortSignal) {
  const config = (name: string) => cluster.directors.find((d) => d.name === name);
  return Promise.all(
    directors.map(async (d) => {
      const conf = config(d.name);
      const [facts, keepalived] = await Promise.all([
        readHostNet(d.session, { sysctls: [IP_FORWARD, EXPIRE_QUIESCENT], signal }),
        readKeepalivedText(d.session, { name: d.name, sudo: conf?.ssh.sudo ?? false, keepalived: conf?.keepalived }, signal),
      ]);
      return { net: { name: d.name, facts } satisfies DirectorNet, keepalived };
    }),
  );
}

/** Stage 2 (the tables say who is DR/TUN): those servers' addresses and ARP settings. */
export async function readServersHosts(
  needs: NetworkNeeds,
  session: (server: string) => HostSession | undefined,
  signal?: AbortSignal,
): Promise<Map<string, HostNetFacts>> {
  const read = await Promise.all(
    needs.servers.map(async (n) => {
      const s = session(n.name);
      const facts: HostNetFacts = s
        ? await readHostNet(s, { arpFor: n.vips.map((v) => v.address), signal })
        : { addresses: { ok: false, reason: 'no SSH session' } };
      return [n.name, facts] as const;
    }),
  );
  return new Map(read);
}

const refusal = (p: HostProblem): Refusal => ({ message: p.message, hint: p.fix });

/** Judges what was read: refusals and warnings, and the network as the run and status show it. Pure. */
export function judgeHosts(input: {
  cluster: Pick<Cluster, 'services' | 'realServers' | 'directors'>;
  pipeline: Pick<Pipeline, 'drain'>;
  tables: ReadonlyMap<string, IpvsTable>;
  needs: NetworkNeeds;
  serverFacts: ReadonlyMap<string, HostNetFacts>;
  directors: readonly { net: DirectorNet; keepalived: KeepalivedText }[];
}): { network: PreflightNetwork; refusals: Refusal[]; warnings: PreflightWarning[] } {
  const { needs } = input;
  const refusals: Refusal[] = [];
  const warnings: PreflightWarning[] = [];
  const skipped = (host: string, role: 'server' | 'director', what: string) =>
    warnings.push({
      code: 'HOST_CHECK_SKIPPED',
      message: `could not check ${what} on ${host}: skipped, not passed`,
      ...(role === 'server' ? { server: host } : { director: host }),
    });

  const servers = needs.servers.map((n) => checkRealServer(n, input.serverFacts.get(n.name) ?? { addresses: { ok: false, reason: 'not read' } }));
  for (const r of servers) {
    for (const p of r.problems) refusals.push(refusal(p));
    for (const s of r.skipped) skipped(r.host, 'server', s);
  }
  const nets = input.directors.map((d) => d.net);
  const holdings = vipHoldings(needs.vips, nets);
  for (const p of vipHolderProblems(holdings)) refusals.push(refusal(p));
  for (const d of nets) if (!d.facts.addresses.ok) skipped(d.name, 'director', `which VIPs it holds (ip -o addr show: ${d.facts.addresses.reason})`);
  for (const name of needs.natDirectors) {
    const d = nets.find((x) => x.name === name);
    if (!d) continue;
    const problem = ipForwardProblem(d);
    const sysctls = d.facts.sysctls;
    if (problem) refusals.push(refusal(problem));
    else if (!sysctls?.ok || sysctls.value[IP_FORWARD] === undefined)
      skipped(name, 'director', `net.ipv4.ip_forward (${sysctls?.ok === false ? sysctls.reason : 'not read'})`);
  }
  const expireQuiescent: Record<string, number> = {};
  for (const d of nets) {
    const value = d.facts.sysctls?.ok ? d.facts.sysctls.value[EXPIRE_QUIESCENT] : undefined;
    if (value !== undefined) expireQuiescent[d.name] = value;
  }

  // keepalived.conf: doctor's checks, with the pipeline's policy.
  const keepalived = input.directors.map((d) => d.keepalived);
  for (const k of keepalived) {
    if (k.kind === 'unreadable') {
      const key = k.probed ? 'set directors[].keepalived to its path' : 'check directors[].keepalived';
      warnings.push({
        code: 'KEEPALIVED_UNREADABLE',
        director: k.director,
        message: `could not read ${k.path} on ${k.director} (${k.reason}): its keepalived checks were skipped; ${key}, or allow \`sudo -n cat\` of it`,
      });
    }
  }
  const doctorDirectors: DoctorDirector[] = keepalived.map((k) => ({
    name: k.director,
    ...(input.tables.get(k.director) ? { table: input.tables.get(k.director) as IpvsTable } : {}),
    ...(k.kind === 'read' ? { keepalived: { path: k.path, parsed: parseKeepalivedConf(k.text) } } : {}),
    unreadable: [],
  }));
  {
    const doctorInput: DoctorInput = {
      services: input.cluster.services.map((s) => s.key),
      servers: input.cluster.realServers.map((s) => ({
        name: s.name,
        address: s.address,
        destinations: s.destinations,
        healthFile: s.app.healthFile,
        healthUrl: s.app.healthUrl,
      })),
      directors: doctorDirectors,
      drain: input.pipeline.drain,
    };
    const { drain } = input.pipeline;
    const verdicts = keepalivedVerdicts(doctorInput, {
      allowHardCut: drain.allowHardCut ?? PIPELINE_DEFAULTS.drain.allowHardCut,
      keepalived: drain.keepalived ?? PIPELINE_DEFAULTS.drain.keepalived,
    });
    refusals.push(...verdicts.refusals);
    warnings.push(...verdicts.warnings);
  }
  return { network: { needs, servers, directors: nets, holdings, expireQuiescent, keepalived }, refusals, warnings };
}

export { networkNeeds };
