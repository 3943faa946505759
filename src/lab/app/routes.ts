// The lab app's HTTP routes: `/`, the health-check file, and `/slow?ms=N` for long requests.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReleaseInfo } from './release.ts';

export interface RouteContext {
  name: string;
  release: ReleaseInfo;
  healthPath: string;
  /** Absolute path of the health-check file, read on every health request. */
  healthFile: string;
  /** True once the app is shutting down: answers then close their connection. */
  isDraining(): boolean;
}

const MAX_SLOW_MS = 120_000;

function send(res: ServerResponse, ctx: RouteContext, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void {
  if (res.writableEnded || res.destroyed) return;
  const headers: Record<string, string | number> = {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'X-Release': ctx.release.version,
    'X-Host': ctx.name,
  };
  if (ctx.isDraining()) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

function sendIndex(res: ServerResponse, ctx: RouteContext): void {
  if (ctx.release.broken === 'health') {
    send(res, ctx, 500, `release ${ctx.release.version} is broken\n`);
    return;
  }
  send(res, ctx, 200, `version=${ctx.release.version} host=${ctx.name}\n`);
}

async function sendHealth(res: ServerResponse, ctx: RouteContext): Promise<void> {
  if (ctx.release.broken === 'health') {
    send(res, ctx, 500, `release ${ctx.release.version} is broken\n`);
    return;
  }
  try {
    send(res, ctx, 200, await readFile(ctx.healthFile), 'text/html; charset=utf-8');
  } catch {
    send(res, ctx, 404, 'not ready\n');
  }
}

// A request that takes `ms` to answer: an in-flight request for restart and drain tests.
function sendSlow(req: IncomingMessage, res: ServerResponse, ctx: RouteContext, ms: number): void {
  const timer = setTimeout(() => sendIndex(res, ctx), Math.min(Math.max(ms, 0), MAX_SLOW_MS));
  res.once('close', () => clearTimeout(timer));
  req.resume();
}

/** Routes one request; resolves when the answer is written (or the client went away). */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://lab.invalid');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, ctx, 405, 'method not allowed\n');
  if (url.pathname === ctx.healthPath) return sendHealth(res, ctx);
  if (url.pathname === '/') return sendIndex(res, ctx);
  if (url.pathname === '/slow') {
    const ms = Number(url.searchParams.get('ms') ?? '1000');
    sendSlow(req, res, ctx, Number.isFinite(ms) ? ms : 1000);
    return new Promise<void>((resolveDone) => res.once('close', () => resolveDone()));
  }
  send(res, ctx, 404, 'not found\n');
}
