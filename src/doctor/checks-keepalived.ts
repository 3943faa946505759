// Checks over the directors' keepalived.conf (LVS.md §5.2-§5.7, SPEC "Drain methods").
import { compareKeepalivedPair } from '../keepalived/compare.ts';
import { findVirtualServer } from '../keepalived/lookup.ts';
import { formatDiagnostic } from '../keepalived/parse.ts';
import { finding, keepalivedSlots, label, names, withKeepalived, type ManagedSlot } from './facts.ts';
import type { DoctorCheck, Finding } from './types.ts';

const fileOf = (d: { name: string; keepalived: { path?: string } }) => `keepalived.conf${d.keepalived.path ? ` (${d.keepalived.path})` : ''} on ${d.name}`;

/** The `file`/`line` fields of a finding about a director's keepalived.conf. */
const where = (d: { keepalived: { path?: string } }, line?: number) => ({
  ...(d.keepalived.path ? { file: d.keepalived.path } : {}),
  ...(line !== undefined ? { line } : {}),
});

/** Slots grouped by service label, for one finding per service. */
function byService(slots: readonly ManagedSlot[]): Map<string, ManagedSlot[]> {
  const map = new Map<string, ManagedSlot[]>();
  for (const s of slots) map.set(label(s.service), [...(map.get(label(s.service)) ?? []), s]);
  return map;
}

const serverNames = (slots: readonly ManagedSlot[]) => names([...new Set(slots.map((s) => s.server.name))]);

/** ipvsadm/quiesce on a pool keepalived manages: a health-check flip re-adds or re-weights the server (§5.4). */
export const keepalivedManualDrain: DoctorCheck = (input) => {
  const method = input.drain?.method;
  if (method !== 'ipvsadm' && method !== 'quiesce') return [];
  return withKeepalived(input).flatMap((d) => {
    const managed = keepalivedSlots(input, d).filter((s) => s.rs);
    if (managed.length === 0) return [];
    const message = `drain method ${method} on servers keepalived manages on ${d.name} (${serverNames(managed)}): when the app restarts its health check flips and keepalived re-adds or re-weights the server behind lvs-release's back`;
    return [
      finding(
        'keepalived-manual-drain',
        'warn',
        { director: d.name },
        message,
        'Use the healthfile drain method (with inhibit_on_failure) on keepalived-managed pools.',
      ),
    ];
  });
};

const NO_KEEPALIVED_HINT = 'Set directors[].keepalived to the keepalived.conf path on each director so doctor and the release can check it.';
const INHIBIT_HINT = 'Add inhibit_on_failure to these real_server blocks (or the virtual_server) on every director and reload keepalived.';
const UNMANAGED_HINT = 'Add real_server blocks with an HTTP_GET check of app.healthFile, or use the quiesce method for this pool.';

/** `web1 (line 12), web2 (line 20)`: each server with the line of its real_server block. */
const serversWithLines = (slots: readonly ManagedSlot[]) => names([...new Set(slots.map((s) => `${s.server.name} (line ${s.rs?.line ?? '?'})`))]);

/** healthfile drains are graceful only with inhibit_on_failure; without it keepalived deletes the dest (§5.2). */
export const healthfileWithoutInhibit: DoctorCheck = (input) => {
  if (input.drain?.method !== 'healthfile') return [];
  const directors = withKeepalived(input);
  if (directors.length === 0) {
    const message = 'drain method healthfile, but no director names a keepalived.conf: nothing shows that a health check will take a server out';
    return [finding('healthfile-unchecked', 'warn', {}, message, NO_KEEPALIVED_HINT)];
  }
  const out: Finding[] = [];
  for (const d of directors) {
    const slots = keepalivedSlots(input, d);
    for (const [service, hardCut] of byService(slots.filter((s) => s.rs && !s.rs.inhibitOnFailure))) {
      const message = `${fileOf(d)}: real servers of ${service} lack inhibit_on_failure (${serversWithLines(hardCut)}): a failed health check DELETES the destination, cutting its live connections`;
      out.push({ ...finding('healthfile-without-inhibit', 'error', { director: d.name, service }, message, INHIBIT_HINT), ...where(d, hardCut[0]?.rs?.line) });
    }
    for (const [service, unmanaged] of byService(slots.filter((s) => !s.rs))) {
      const message = `${fileOf(d)} has no real_server for ${serverNames(unmanaged)} in ${service}: moving the health file aside will not take them out on ${d.name}`;
      out.push({ ...finding('healthfile-unchecked', 'warn', { director: d.name, service }, message, UNMANAGED_HINT), ...where(d, unmanaged[0]?.vs?.line) });
    }
  }
  return out;
};

const QUORUM_HINT = 'Lower quorum (or raise hysteresis) in keepalived.conf so the pool survives one batch, or add capacity before releasing.';

/** With a sorry_server, live weight below quorum - hysteresis switches the whole VIP to it (§5.5). */
export const quorumSorryFlip: DoctorCheck = (input) =>
  withKeepalived(input).flatMap((d) => {
    const slots = keepalivedSlots(input, d);
    return input.services.flatMap((key) => {
      const vs = findVirtualServer(d.keepalived.parsed.config, key);
      if (!vs?.sorryServer) return [];
      const total = vs.realServers.reduce((sum, rs) => sum + rs.weight, 0);
      // The cluster's heaviest server in this virtual_server is the worst single drain.
      let largest: { name: string; weight: number } | undefined;
      for (const s of slots) {
        if (s.vs === vs && s.rs && s.rs.weight > (largest?.weight ?? -1)) largest = { name: s.server.name, weight: s.rs.weight };
      }
      if (!largest) return [];
      const left = total - largest.weight;
      if (left >= vs.quorum - vs.hysteresis) return [];
      const level = input.drain?.method === 'healthfile' ? 'error' : 'warn';
      const sorry = `${vs.sorryServer.address}:${vs.sorryServer.port}`;
      const when = level === 'warn' ? ' (whenever its health check fails, e.g. during the restart)' : '';
      const message = `taking ${largest.name} (weight ${largest.weight}) out of ${label(key)} leaves a live weight of ${left}, below quorum ${vs.quorum} - hysteresis ${vs.hysteresis}: keepalived would replace every real server with the sorry server ${sorry}${when}`;
      return [finding('quorum-sorry-server', level, { director: d.name, service: label(key) }, message, QUORUM_HINT)];
    });
  });

const PAIR_HINT =
  'Make the virtual_server/real_server/checker blocks and VRRP settings identical on both directors (only router_id, state, priority, mirrored unicast addresses and interfaces may differ).';

const lines = (diff: { lineA?: number; lineB?: number }, a: string, b: string) => {
  const parts = [diff.lineA !== undefined ? `${a} line ${diff.lineA}` : '', diff.lineB !== undefined ? `${b} line ${diff.lineB}` : ''].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
};

/** MASTER and BACKUP must agree on everything but their VRRP role (§5.6). */
export const keepalivedPairMismatch: DoctorCheck = (input) => {
  const [first, ...others] = withKeepalived(input);
  if (!first) return [];
  return others.flatMap((other) => {
    const result = compareKeepalivedPair({ name: first.name, parsed: first.keepalived.parsed }, { name: other.name, parsed: other.keepalived.parsed });
    return result.differences
      .filter((diff) => diff.kind === 'mismatch')
      .map((diff) => ({
        ...finding(
          'keepalived-pair-mismatch',
          'error',
          { director: other.name },
          `keepalived.conf differs between ${first.name} and ${other.name}: ${diff.message}${lines(diff, first.name, other.name)}`,
          PAIR_HINT,
        ),
        ...where(other, diff.lineB ?? diff.lineA),
      }));
  });
};

const DIAGNOSTIC_LEVEL = { error: 'error', warning: 'warn', hint: 'info' } as const;

/** What keepalived itself would report in each file (§5.7), plus what lvs-release could not follow. */
export const keepalivedParseDiagnostics: DoctorCheck = (input) =>
  withKeepalived(input).flatMap((d) =>
    d.keepalived.parsed.diagnostics.map((diag) => {
      const path = d.keepalived.path ?? '/etc/keepalived/keepalived.conf';
      const hint = {
        error: `Fix the file and check it with \`keepalived -t -f ${path}\`: keepalived keeps running with a misparsed config.`,
        warning: 'What that line brings in is not checked by doctor; check it by hand.',
        hint: 'Look at the line named; the brace count alone points at the end of the file.',
      }[diag.severity];
      return {
        ...finding('keepalived-config', DIAGNOSTIC_LEVEL[diag.severity], { director: d.name }, `${fileOf(d)}: ${formatDiagnostic(diag)}`, hint),
        ...where(d, diag.line),
      };
    }),
  );

const FILE_AWARE = new Set(['HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'FILE_CHECK']);

const segments = (path: string) =>
  path
    .split('?')[0]
    ?.split('/')
    .filter((p) => p !== '' && p !== '.') ?? [];

/**
 * Does keepalived's url `path` fetch the health file? With app.healthUrl: exactly that path. Without
 * it: the path's segments end app.healthFile's (the web server's document root is the rest), so
 * `/health/ready.html` fetches `/srv/app/shared/health/ready.html`; `/` or `/status` do not.
 */
export function urlServesHealthFile(path: string, server: { healthFile?: string; healthUrl?: string }): boolean {
  const asked = path.split('?')[0] ?? '';
  if (server.healthUrl !== undefined) return asked === (server.healthUrl.split('?')[0] ?? '');
  const url = segments(asked);
  const file = segments(server.healthFile ?? '');
  return url.length > 0 && url.length <= file.length && url.every((part, i) => part === file[file.length - url.length + i]);
}

const PATH_HINT =
  "Make keepalived's url path fetch app.healthFile, or set app.healthUrl in the cluster file to the URL path your web server maps to it; otherwise moving the file aside never takes the server out.";

/** healthfile drains only work when keepalived's check actually fetches app.healthFile. */
export const healthCheckServesHealthFile: DoctorCheck = (input) => {
  if (input.drain?.method !== 'healthfile') return [];
  return withKeepalived(input).flatMap((d) => {
    const out: Finding[] = [];
    for (const slot of keepalivedSlots(input, d)) {
      const file = slot.server.healthFile;
      if (!slot.rs || !file) continue;
      const subject = { director: d.name, service: label(slot.service), server: slot.server.name };
      const checkers = slot.rs.checkers;
      if (!checkers.some((c) => FILE_AWARE.has(c.type))) {
        const message = `${slot.server.name} is checked only by ${names(checkers.map((c) => c.type)) || 'no checker'} on ${d.name}: moving ${file} aside cannot fail that check, so the drain will time out`;
        out.push({
          ...finding('healthcheck-path', 'warn', subject, message, 'Add an HTTP_GET check whose url path serves app.healthFile.'),
          ...where(d, slot.rs.line),
        });
        continue;
      }
      const urls = checkers.flatMap((c) => c.urls.filter((u) => u.path !== undefined));
      if (urls.length === 0 || urls.some((u) => urlServesHealthFile(u.path ?? '', slot.server))) continue;
      const wanted = slot.server.healthUrl !== undefined ? `app.healthUrl ${slot.server.healthUrl}` : `app.healthFile ${file}`;
      const message = `${fileOf(d)}: the health check of ${slot.server.name} fetches ${names(urls.map((u) => `${u.path} (line ${u.line})`))}, which is not ${wanted}: moving the file aside will not take the server out`;
      out.push({ ...finding('healthcheck-path', 'error', subject, message, PATH_HINT), ...where(d, urls[0]?.line) });
    }
    return out;
  });
};

/** Without connection sync, established flows break when the BACKUP takes over (§4.6). */
export const syncDaemonAbsent: DoctorCheck = (input) =>
  withKeepalived(input)
    .filter((d) => !d.keepalived.parsed.config.globalDefs?.lvsSyncDaemon)
    .map((d) =>
      finding(
        'no-sync-daemon',
        'info',
        { director: d.name },
        `${fileOf(d)} has no lvs_sync_daemon: a failover during a release breaks established connections`,
        'Add `lvs_sync_daemon IFACE VRRP_INSTANCE` to global_defs on both directors.',
      ),
    );
