// The checks themselves: HTTP_GET (status code in range) and TCP_CHECK (connect), each
// bounded by connect_timeout, over real sockets.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { CheckConfig, ProbeResult } from './keepalived-types.ts';

const errorDetail = (error: Error) => (error as NodeJS.ErrnoException).code ?? error.message;

function inRange(status: number, expected: number | readonly [number, number] | undefined): boolean {
  if (expected === undefined) return status >= 200 && status <= 299;
  if (typeof expected === 'number') return status === expected;
  return status >= expected[0] && status <= expected[1];
}

/** One check of `address:port` (or `connect_port`), as keepalived's checkers do it. */
export function probe(target: { address: string; port: number; check: CheckConfig }): Promise<ProbeResult> {
  const { check } = target;
  const port = check.connectPort ?? target.port;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      cleanup();
      done({ ok: false, detail: `timeout after ${check.connectTimeoutMs} ms` });
    }, check.connectTimeoutMs);
    let cleanup: () => void = () => {};
    if (check.type === 'TCP_CHECK') {
      const socket = connect({ host: target.address, port });
      cleanup = () => void socket.destroy();
      socket.once('connect', () => {
        socket.destroy();
        done({ ok: true, detail: 'connected' });
      });
      socket.once('error', (error) => done({ ok: false, detail: errorDetail(error) }));
      return;
    }
    const headers = check.virtualhost ? { host: check.virtualhost } : undefined;
    const req = request({ host: target.address, port, path: check.path, method: 'GET', agent: false, headers }, (res) => {
      res.resume();
      res.once('end', () => {
        const status = res.statusCode ?? 0;
        done({ ok: inRange(status, check.statusCode), detail: `HTTP status code ${status}` });
      });
      res.once('error', (error) => done({ ok: false, detail: errorDetail(error) }));
    });
    cleanup = () => void req.destroy();
    req.once('error', (error) => done({ ok: false, detail: errorDetail(error) }));
    req.end();
  });
}
