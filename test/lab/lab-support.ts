// Test support for whole labs: commands over SSH on a lab host (one connection per host, as the
// engine keeps), the control API, HTTP through the VIP, and condition waits.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type ssh2 from 'ssh2';
import type { Lab } from '../../src/lab/lab.ts';
import { connect, exec, type ExecResult } from './host/support.ts';

export { waitFor } from './host/support.ts';

/** Runs commands on lab hosts over SSH, one connection per host. */
export function labShell(lab: Lab) {
  const key = readFileSync(lab.info.privateKey, 'utf8');
  const conns = new Map<string, Promise<ssh2.Client>>();
  const connFor = (host: string) => {
    let conn = conns.get(host);
    if (!conn) {
      const entry = lab.info.hosts.find((h) => h.name === host);
      if (!entry) throw new Error(`no lab host ${host}`);
      conn = connect({ port: entry.ssh.port, privateKey: key });
      conns.set(host, conn);
    }
    return conn;
  };
  return {
    run: async (host: string, command: string): Promise<ExecResult> => exec(await connFor(host), command),
    close: async () => {
      for (const c of conns.values()) (await c).end();
      conns.clear();
    },
  };
}
export type LabShell = ReturnType<typeof labShell>;

/** POST to the lab's control API; the JSON answer and status. */
export async function control(lab: Lab, path: string, body: unknown = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(new URL(path, lab.info.control), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

export interface Answer {
  status: number;
  body: string;
}

/** One GET on a fresh connection (the client closes it after the answer); rejects on error or `timeoutMs`. */
export function get(url: string, options: { timeoutMs?: number; localPort?: (port: number) => void } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('socket', (socket) => socket.once('connect', () => options.localPort?.(socket.localPort ?? 0)));
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** The lines of `ipvsadm -L -n -c` on a director (without its two title lines). */
export function connRows(lab: Lab, director = lab.routing().name): string[] {
  const d = lab.directors.find((x) => x.name === director);
  if (!d) throw new Error(`no director ${director}`);
  return d.ipvsadm(['-L', '-n', '-c']).stdout.split('\n').slice(2).filter(Boolean);
}
