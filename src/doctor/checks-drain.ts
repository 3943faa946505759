// Checks of the pipeline's drain settings against the directors (LVS.md §2, §4.1, §4.4-§4.6).
import { DEFAULT_TIMEOUTS, hasLegacyErrorWording } from '../ipvs/misc.ts';
import { findVirtualServer } from '../keepalived/lookup.ts';
import { findDest, findService, finding, label, names, withKeepalived, withTables } from './facts.ts';
import type { DoctorCheck, DoctorInput, Finding } from './types.ts';

// Services whose configured dests are forwarded by DR or TUN: from the tables, else keepalived.conf.
function directRouted(input: DoctorInput): string[] {
  const found = new Set<string>();
  const tables = withTables(input);
  for (const dest of input.servers.flatMap((s) => s.destinations)) {
    for (const d of tables) {
      const svc = findService(d.table, dest.service);
      const forward = svc ? findDest(svc, dest.endpoint)?.forward : undefined;
      if (forward === 'Route' || forward === 'Tunnel') found.add(label(dest.service));
    }
    if (tables.length > 0) continue;
    for (const d of withKeepalived(input)) {
      const method = findVirtualServer(d.keepalived.parsed.config, dest.service)?.method;
      if (method === 'DR' || method === 'TUN') found.add(label(dest.service));
    }
  }
  return [...found];
}

/** DR/TUN directors see only inbound packets: their connection counts are inferred (§4.4). */
export const directRoutingCountedOnDirector: DoctorCheck = (input) => {
  if (input.drain?.connections !== 'director') return [];
  const services = directRouted(input);
  if (services.length === 0) return [];
  const message = `connections are counted on the directors, but ${names(services)} use direct routing or tunnelling: InActConn is inferred and ActiveConn over-counts idle keep-alive connections for up to 15 minutes`;
  return [
    finding('dr-director-counting', 'warn', {}, message, 'Set `connections: server` in the pipeline drain settings (ss on the server is exact in DR/TUN).'),
  ];
};

/** After `tcp` seconds without a packet the kernel expires an entry anyway (§4.5). */
export const drainTimeoutBeyondTcpTimeout: DoctorCheck = (input) => {
  if (!input.drain) return [];
  const known = input.directors.flatMap((d) => {
    const value = d.timeouts?.tcp ?? d.keepalived?.parsed.config.globalDefs?.lvsTimeouts?.tcp;
    return value !== undefined && value > 0 ? [value] : [];
  });
  const tcp = known.length > 0 ? Math.min(...known) : DEFAULT_TIMEOUTS.tcp;
  const seconds = input.drain.timeoutMs / 1000;
  if (seconds <= tcp) return [];
  const message = `drain timeout ${seconds}s is above the IPVS TCP established timeout (${tcp}s): idle entries are gone by then, and what is left is busy traffic that waiting longer will not drain`;
  return [finding('drain-timeout', 'warn', {}, message, `Lower drain.timeout to at most ${tcp}s.`)];
};

/** The ipvsadm method deletes the dest after the wait; with onTimeout: proceed that can cut live flows (§4.1). */
export const deleteWithLiveConnections: DoctorCheck = (input) => {
  if (input.drain?.method !== 'ipvsadm' || input.drain.onTimeout !== 'proceed') return [];
  const modes = input.directors.map((d) => `${d.name}: ${d.sysctls?.expire_nodest_conn ?? 'unknown'}`).join(', ');
  const message = `drain method ipvsadm with onTimeout: proceed deletes a destination that may still have connections; the kernel then drops their packets (expire_nodest_conn=0) or expires them (=1) — expire_nodest_conn ${modes}`;
  return [finding('delete-live-connections', 'warn', {}, message, 'Use onTimeout: fail, or the quiesce method, which never deletes.')];
};

/** conn_reuse_mode decides whether a reused client port is rescheduled away from a weight-0 server (§4.6). */
export const connReuseMode: DoctorCheck = (input) => {
  const dr = directRouted(input).length > 0;
  return input.directors.flatMap((d): Finding[] => {
    const mode = d.sysctls?.conn_reuse_mode;
    const subject = { director: d.name };
    if (mode === 0) {
      const message = `conn_reuse_mode=0 on ${d.name}: a client reusing a source port is sent to the same server even when it is drained`;
      return [finding('conn-reuse-mode', 'info', subject, message, 'Keep the default conn_reuse_mode=1 (or 2 with direct routing).')];
    }
    if (mode !== undefined && dr && (mode & 2) === 0) {
      const message = `conn_reuse_mode=${mode} on ${d.name} with direct routing: a reused port whose entry is in FIN_WAIT still goes to the drained server`;
      return [finding('conn-reuse-mode', 'info', subject, message, 'Consider conn_reuse_mode=2 on DR directors (bit 2 also reschedules FIN_WAIT entries).')];
    }
    return [];
  });
};

/** A missing health file means keepalived already sees the server down, or the restore cannot work. */
export const healthFilePresent: DoctorCheck = (input) => {
  const files = input.healthFiles;
  if (!files) return [];
  const keepalived = withKeepalived(input).length > 0;
  const level = input.drain?.method === 'healthfile' ? 'error' : keepalived ? 'warn' : 'info';
  return input.servers
    .filter((s) => files[s.name] === false)
    .map((s) => {
      const message = `health file ${s.healthFile ?? '(app.healthFile)'} is missing on ${s.name}${keepalived ? ': keepalived counts it as down' : ''}`;
      return finding(
        'health-file-missing',
        level,
        { server: s.name },
        message,
        'Put the file back (a crashed release may have left it aside: `release recover`).',
      );
    });
};

/** ipvsadm 1.27-1.29 print wrong error texts; the tool decides by exit status, so this is informational (§2). */
export const ipvsadmLegacyWording: DoctorCheck = (input) =>
  input.directors
    .filter((d) => d.ipvsadm && hasLegacyErrorWording(d.ipvsadm))
    .map((d) => {
      const message = `ipvsadm v${d.ipvsadm?.version ?? ''} on ${d.name} reports some failures with misleading texts (e.g. "Memory allocation problem" for a missing service)`;
      const hint = 'Nothing to do: lvs-release decides by exit status and a re-listing; ipvsadm 1.30+ has readable errors.';
      return finding('ipvsadm-legacy-errors', 'info', { director: d.name }, message, hint);
    });

/** What could not be read: the checks that need it were skipped. */
export const unreadableInputs: DoctorCheck = (input) =>
  input.directors.flatMap((d) =>
    d.unreadable.map((u) =>
      finding(
        'unreadable',
        'warn',
        { director: d.name },
        `could not read ${u.what} on ${d.name}: ${u.reason}`,
        'Checks that need it were skipped; fix access (sudo, path) and run doctor again.',
      ),
    ),
  );
