// The lab's control API over HTTP on loopback, for tests, demos and `release lab status`:
// tables, versions, the pool timeline, failover, and faults to inject.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { renderIpvsList } from '../ipvs/list-render.ts';
import type { Lab } from './lab.ts';
import { holdConnections, type HeldConnections } from './net/hold.ts';

export interface Control {
  url: string;
  close(): Promise<void>;
}

export type FaultKind = 'refuse' | 'hang' | 'drop' | 'ipvs-no-kernel' | 'ipvs-not-root';

export interface LabState {
  master: string;
  vip: string;
  directors: { name: string; master: boolean; listing: string; checker?: unknown }[];
  servers: { name: string; port: number; running: boolean; version: string | null; inFlight: number; sshConnections: number; faults: { refuseNew: boolean; hang: boolean } }[];
  vipCounters: unknown;
  maxOut: number;
  held: number;
}

export function labState(lab: Lab, held: number): LabState {
  return {
    master: lab.master().name,
    vip: lab.vip.url,
    directors: lab.directors.map((d) => ({
      name: d.name,
      master: d === lab.master(),
      listing: renderIpvsList(d.state.table()),
      ...(d.checker ? { checker: d.checker.status() } : {}),
    })),
    servers: lab.servers.map((s) => {
      const status = s.app.status();
      return {
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
          const h = await holdConnections({ url: lab.vip.url, count: Number(b.count ?? 1), mode: b.mode === 'request' ? 'request' : 'idle', ...(typeof b.path === 'string' ? { path: b.path } : {}) });
          held.push(h);
          return send(res, 200, { opened: h.opened, failedToOpen: h.failedToOpen });
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
