// The lab's control API over HTTP on loopback, for tests, demos and `release lab status`:
// tables, versions, the pool timeline, failover, faults to inject, and the hosts' network state
// (the VIP on a server's lo or a director's eth0, sysctls, split brain, keepalived.conf).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { renderIpvsList } from '../ipvs/list-render.ts';
import type { Lab } from './lab.ts';
import { KEEPALIVED_VARIANTS, type KeepalivedVariant } from './keepalived-files.ts';
import { effectiveArp } from './net/host-net.ts';
import { holdConnections, type HeldConnections } from './net/hold.ts';
import type { VipCounters } from './net/vip.ts';

export interface Control {
  url: string;
  close(): Promise<void>;
}

export type FaultKind = 'refuse' | 'hang' | 'drop' | 'ipvs-no-kernel' | 'ipvs-not-root';

export interface LabState {
  master: string;
  vip: string;
  /** Added: `nat` or `dr`, the VIP's address, and whose table routes now. */
  forward: 'nat' | 'dr';
  vipAddress: string;
  routing: string;
  directors: {
    name: string;
    master: boolean;
    listing: string;
    checker?: unknown;
    /** Added: the VIP on one of its interfaces (two directors holding it = split brain). */
    holdsVip: boolean;
    ipForward: boolean;
    /** net.ipv4.vs.* as `sysctl` reads them. */
    vs: Record<string, string>;
    /** keepalived.conf, relative to the director's directory. */
    keepalived?: string;
  }[];
  servers: {
    name: string;
    port: number;
    running: boolean;
    version: string | null;
    inFlight: number;
    sshConnections: number;
    faults: { refuseNew: boolean; hang: boolean };
    /** Added: as the directors list it; the VIP on lo; effective ARP settings on eth0 (max of all and eth0). */
    address: string;
    vipOnLo: boolean;
    arpIgnore: number;
    arpAnnounce: number;
  }[];
  vipCounters: VipCounters;
  maxOut: number;
  held: number;
}

export function labState(lab: Lab, held: number): LabState {
  const sysctlsOf = (host: string, prefix: string) => {
    const net = lab.net.host(host);
    return Object.fromEntries((net?.sysctlKeys() ?? []).filter((k) => k.startsWith(prefix)).map((k) => [k, net?.sysctl(k) ?? '']));
  };
  return {
    master: lab.master().name,
    vip: lab.vip.url,
    forward: lab.forward,
    vipAddress: lab.net.vipAddress,
    routing: lab.routing().name,
    directors: lab.directors.map((d) => {
      const keepalived = lab.info?.hosts.find((h) => h.name === d.name)?.keepalived;
      return {
        name: d.name,
        master: d === lab.master(),
        listing: renderIpvsList(d.state.table()),
        ...(d.checker ? { checker: d.checker.status() } : {}),
        holdsVip: lab.net.directorHoldsVip(d.name),
        ipForward: lab.net.ipForward(d.name),
        vs: sysctlsOf(d.name, 'net.ipv4.vs.'),
        ...(keepalived ? { keepalived } : {}),
      };
    }),
    servers: lab.servers.map((s) => {
      const status = s.app.status();
      const net = lab.net.host(s.name);
      return {
        address: s.address,
        vipOnLo: lab.net.serverHoldsVip(s.name),
        arpIgnore: net ? effectiveArp(net, 'arp_ignore') : 0,
        arpAnnounce: net ? effectiveArp(net, 'arp_announce') : 0,
        name: s.name,
        port: s.app.port,
        running: status.running,
        version: status.version,
        inFlight: status.inFlight,
        sshConnections: s.ssh.connectionCount(),
        faults: { ...s.ssh.faults },
      };
    }),
    vipCounters: lab.vip.counters(),
    maxOut: lab.timeline.maxOut(),
    held,
  };
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(value)}\n`);
}

/** Applies a fault to one host (or clears it with on: false). */
export function applyFault(lab: Lab, host: string, fault: FaultKind, on: boolean): string | undefined {
  const director = lab.directors.find((d) => d.name === host);
  if (fault === 'ipvs-no-kernel' || fault === 'ipvs-not-root') {
    if (!director) return `${host} is not a director`;
    director.state.initError = on ? (fault === 'ipvs-no-kernel' ? 'no-ipvs' : 'not-root') : undefined;
    return undefined;
  }
  const ssh = lab.sshHost(host);
  if (!ssh) return `no host ${host}`;
  if (fault === 'drop') ssh.dropConnections();
  else if (fault === 'refuse') ssh.faults.refuseNew = on;
  else if (fault === 'hang') ssh.faults.hang = on;
  return undefined;
}

/** `POST /lo-vip`, `/director-vip`: the VIP on a server's lo (DR) or a director's eth0. */
export function setVip(lab: Lab, role: 'server' | 'director', host: string, present: boolean): string | undefined {
  const known = role === 'server' ? lab.servers.some((s) => s.name === host) : lab.directors.some((d) => d.name === host);
  if (!known) return `${host} is not a ${role === 'server' ? 'real server' : 'director'}`;
  const result = role === 'server' ? lab.net.setServerVip(host, present) : lab.net.setDirectorVip(host, present);
  // Already as asked: fine, the call says what it wants, not what to change.
  return result === 'no-device' ? `${host}: no such interface` : undefined;
}

/** `POST /sysctl`: one or several settings of one host; every problem named, nothing half-applied. */
export function setSysctls(lab: Lab, host: string, values: Record<string, unknown>): string | undefined {
  const net = lab.net.host(host);
  if (!net) return `no host ${host}`;
  const entries = Object.entries(values).map(([k, v]) => [k, String(v)] as const);
  const problems = entries.flatMap(([k, v]) =>
    net.sysctl(k) === undefined ? [`${host} has no sysctl ${k}`] : /^-?\d+$/.test(v.trim()) ? [] : [`${k}: "${v}" is not a number`],
  );
  if (problems.length > 0) return problems.join('; ');
  for (const [k, v] of entries) net.setSysctl(k, v);
  return undefined;
}

/** `POST /split-brain`: every director holds the VIP (on), or only the MASTER (off). */
export function setSplitBrain(lab: Lab, on: boolean): void {
  for (const d of lab.directors) lab.net.setDirectorVip(d.name, on || d === lab.master());
}

export async function startControl(lab: Lab): Promise<Control> {
  const held: HeldConnections[] = [];
  const heldCount = () => held.reduce((n, h) => n + h.open(), 0);
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://lab');
      try {
        if (req.method === 'GET' && url.pathname === '/state') return send(res, 200, labState(lab, heldCount()));
        if (req.method === 'GET' && url.pathname === '/timeline') return send(res, 200, { maxOut: lab.timeline.maxOut(), points: lab.timeline.points() });
        if (req.method === 'POST' && url.pathname === '/failover') return send(res, 200, { master: lab.failover().name });
        if (req.method === 'POST' && url.pathname === '/fault') {
          const b = await body(req);
          const error = applyFault(lab, String(b.host), String(b.fault) as FaultKind, b.on !== false);
          return error ? send(res, 404, { error }) : send(res, 200, { ok: true });
        }
        if (req.method === 'POST' && url.pathname === '/hold') {
          const b = await body(req);
          const h = await holdConnections({
            url: lab.vip.url,
            count: Number(b.count ?? 1),
            mode: b.mode === 'request' ? 'request' : 'idle',
            ...(typeof b.path === 'string' ? { path: b.path } : {}),
          });
          held.push(h);
          return send(res, 200, { opened: h.opened, failedToOpen: h.failedToOpen });
        }
        if (req.method === 'POST' && (url.pathname === '/lo-vip' || url.pathname === '/director-vip')) {
          const b = await body(req);
          const error = setVip(lab, url.pathname === '/lo-vip' ? 'server' : 'director', String(b.host), b.present !== false);
          return error ? send(res, 404, { error }) : send(res, 200, { ok: true });
        }
        if (req.method === 'POST' && url.pathname === '/split-brain') {
          const b = await body(req);
          setSplitBrain(lab, b.on !== false);
          return send(res, 200, { holding: lab.directors.filter((d) => lab.net.directorHoldsVip(d.name)).map((d) => d.name) });
        }
        if (req.method === 'POST' && url.pathname === '/sysctl') {
          const b = await body(req);
          const values = typeof b.values === 'object' && b.values !== null ? (b.values as Record<string, unknown>) : { [String(b.key)]: b.value };
          const error = setSysctls(lab, String(b.host), values);
          return error ? send(res, 400, { error }) : send(res, 200, { ok: true });
        }
        if (req.method === 'POST' && url.pathname === '/keepalived') {
          const b = await body(req);
          const variant = String(b.variant ?? '');
          if (typeof b.content !== 'string' && !KEEPALIVED_VARIANTS.includes(variant as KeepalivedVariant)) {
            return send(res, 400, { error: `give "content" (the file) or "variant": one of ${KEEPALIVED_VARIANTS.join(', ')}` });
          }
          if (!lab.directors.some((d) => d.name === String(b.host))) return send(res, 404, { error: `${String(b.host)} is not a director` });
          const placed = await lab.placeKeepalived(
            String(b.host),
            typeof b.content === 'string' ? { content: b.content } : { variant: variant as KeepalivedVariant },
          );
          return send(res, 200, {
            path: placed.path,
            reloaded: placed.reloaded.map((r) => ({ address: r.address, port: r.port, inhibitOnFailure: r.inhibitOnFailure })),
          });
        }
        if (req.method === 'POST' && url.pathname === '/release-held') {
          await Promise.all(held.splice(0).map((h) => h.close()));
          return send(res, 200, { ok: true });
        }
        return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
      } catch (error) {
        return send(res, 500, { error: (error as Error).message });
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      await Promise.all(held.splice(0).map((h) => h.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
