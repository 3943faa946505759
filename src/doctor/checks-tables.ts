// Checks over the directors' IPVS tables (SPEC "release" step 5; LVS.md §4.2, §4.3).
import { sameEndpoint, sameServiceKey } from '../ipvs/address.ts';
import type { VirtualService } from '../ipvs/model.ts';
import { findVirtualServer } from '../keepalived/lookup.ts';
import { findDest, findService, finding, label, listedServices, names, withKeepalived, withTables } from './facts.ts';
import type { DoctorCheck, Finding } from './types.ts';

const endpointText = (d: { address: string; port: number }) => `${d.address}:${d.port}`;

function serviceDifferences(a: VirtualService, b: VirtualService): string[] {
  const out: string[] = [];
  const same = (what: string, x: unknown, y: unknown) => {
    if (x !== y) out.push(`${what} ${String(x ?? 'none')} vs ${String(y ?? 'none')}`);
  };
  same('scheduler', a.scheduler, b.scheduler);
  same('flags', a.flags.join(',') || undefined, b.flags.join(',') || undefined);
  same('persistent', a.persistent, b.persistent);
  same('mask', a.netmask, b.netmask);
  for (const d of a.dests) {
    const o = b.dests.find((x) => sameEndpoint(x, d));
    if (!o) {
      out.push(`${endpointText(d)} missing`);
      continue;
    }
    same(`${endpointText(d)} weight`, d.weight, o.weight);
    same(`${endpointText(d)} method`, d.forward, o.forward);
  }
  for (const d of b.dests) if (!a.dests.some((x) => sameEndpoint(x, d))) out.push(`${endpointText(d)} extra`);
  return out;
}

const DISAGREE_HINT =
  'Make the tables agree (fix keepalived.conf or re-run the missing ipvsadm commands), or run `release recover` after an interrupted release.';

/** Every director must show the same services, dests, weights and methods as the first. */
export const directorsDisagree: DoctorCheck = (input) => {
  const [first, ...others] = withTables(input);
  if (!first) return [];
  return others.flatMap((other) => {
    const out: Finding[] = [];
    const add = (service: string, message: string) =>
      out.push(finding('directors-disagree', 'error', { director: other.name, service }, message, DISAGREE_HINT));
    for (const svc of first.table.services) {
      const o = other.table.services.find((s) => sameServiceKey(s.key, svc.key));
      const diffs = o ? serviceDifferences(svc, o) : [];
      if (!o) add(label(svc.key), `${label(svc.key)} is on ${first.name} but not on ${other.name}`);
      else if (diffs.length > 0) add(label(svc.key), `${other.name} differs from ${first.name}: ${diffs.join('; ')}`);
    }
    for (const o of other.table.services) {
      if (!first.table.services.some((s) => sameServiceKey(s.key, o.key))) {
        add(label(o.key), `${label(o.key)} is on ${other.name} but not on ${first.name}`);
      }
    }
    return out;
  });
};

const SERVICE_MISSING_HINT = 'Check the VIP in the cluster file, or define the service on the director (keepalived.conf or ipvsadm -A).';
const SERVER_MISSING_HINT =
  'Add it back (ipvsadm -a with its method and weight, or fix keepalived.conf), or run `release recover` after an interrupted release.';
const WEIGHT_ZERO_HINT = 'Restore its weight (ipvsadm -e … -w N, or keepalived), or finish the interrupted release with `release recover`.';
const UNKNOWN_DEST_HINT = 'Add them to realServers if they should be released too; lvs-release leaves them alone.';

/** Every configured server in every configured service, with weight > 0, on every director. */
export const serversInPool: DoctorCheck = (input) =>
  withTables(input).flatMap((director) => {
    const out: Finding[] = [];
    for (const key of input.services) {
      const svc = findService(director.table, key);
      const subject = { director: director.name, service: label(key) };
      if (!svc) {
        out.push(finding('service-missing', 'error', subject, `${label(key)} is not in the IPVS table of ${director.name}`, SERVICE_MISSING_HINT));
        continue;
      }
      const known = input.servers.flatMap((server) =>
        server.destinations.filter((d) => sameServiceKey(d.service, key)).map((d) => ({ server, endpoint: d.endpoint })),
      );
      for (const { server, endpoint } of known) {
        const listed = findDest(svc, endpoint);
        const where = { ...subject, server: server.name };
        if (!listed) {
          const message = `${server.name} (${endpointText(endpoint)}) is not in ${label(key)} on ${director.name}`;
          out.push(finding('server-missing', 'error', where, message, SERVER_MISSING_HINT));
        } else if (listed.weight === 0) {
          const message = `${server.name} has weight 0 in ${label(key)} on ${director.name}: it is out of the pool and counts against the batch budget`;
          out.push(finding('server-weight-zero', 'warn', where, message, WEIGHT_ZERO_HINT));
        }
      }
      const extra = svc.dests.filter((d) => !known.some((k) => sameEndpoint(k.endpoint, d)));
      if (extra.length > 0) {
        const message = `${director.name} lists ${label(key)} destinations the cluster file does not name: ${names(extra.map(endpointText))}`;
        out.push(finding('unknown-destination', 'info', subject, message, UNKNOWN_DEST_HINT));
      }
    }
    return out;
  });

const EXPIRE_QUIESCENT_HINT = 'Set net.ipv4.vs.expire_quiescent_template=1 on every director (sysctl -w, and persist it in /etc/sysctl.d).';

/** Persistent services need expire_quiescent_template=1, or a drain may never reach zero (§4.3). */
export const persistenceNeedsExpireQuiescent: DoctorCheck = (input) => {
  const persistent = new Set(
    listedServices(input)
      .filter((s) => (s.persistent ?? 0) > 0)
      .map((s) => label(s.key)),
  );
  for (const d of withKeepalived(input)) {
    for (const key of input.services) {
      const vs = findVirtualServer(d.keepalived.parsed.config, key);
      if ((vs?.persistenceTimeout ?? 0) > 0) persistent.add(label(key));
    }
  }
  if (persistent.size === 0) return [];
  const services = names([...persistent]);
  return input.directors.flatMap((d) => {
    const value = d.sysctls?.expire_quiescent_template;
    if (value === 1) return [];
    const subject = { director: d.name };
    if (value === undefined) {
      const message = `persistent services (${services}): expire_quiescent_template could not be read on ${d.name}; with 0 a returning client keeps reaching a weight-0 server`;
      return [finding('persistence-expire-quiescent', 'info', subject, message, EXPIRE_QUIESCENT_HINT)];
    }
    const message = `persistent services (${services}) with expire_quiescent_template=${value} on ${d.name}: returning clients keep their template and keep reaching a weight-0 server, so a drain may never finish`;
    return [finding('persistence-expire-quiescent', 'warn', subject, message, EXPIRE_QUIESCENT_HINT)];
  });
};

/** sh/mh treat weight 0 as unavailable: without the fallback flag those clients get no server (§4.2). */
export const hashWithoutFallback: DoctorCheck = (input) => {
  const out: Finding[] = [];
  const seen = new Set<string>();
  const add = (director: string, service: string, sched: string) => {
    if (seen.has(`${director}|${service}`)) return;
    seen.add(`${director}|${service}`);
    const message = `${service} uses ${sched} without ${sched}-fallback on ${director}: clients hashed to a drained (weight 0) server get no destination at all`;
    const hint = `Add the ${sched}-fallback flag (ipvsadm -E … -b ${sched}-fallback, keepalived \`${sched}-fallback\`) so their clients move to another server during a drain.`;
    out.push(finding('hash-without-fallback', 'warn', { director, service }, message, hint));
  };
  const isHash = (sched: string | undefined): sched is 'sh' | 'mh' => sched === 'sh' || sched === 'mh';
  for (const d of withTables(input)) {
    for (const key of input.services) {
      const svc = findService(d.table, key);
      if (svc && isHash(svc.scheduler) && !svc.flags.includes(`${svc.scheduler}-fallback`)) add(d.name, label(key), svc.scheduler);
    }
  }
  for (const d of withKeepalived(input)) {
    for (const key of input.services) {
      const vs = findVirtualServer(d.keepalived.parsed.config, key);
      if (vs && isHash(vs.scheduler) && !vs.schedulerFlags.includes(`${vs.scheduler}-fallback`)) add(d.name, label(key), vs.scheduler);
    }
  }
  return out;
};
