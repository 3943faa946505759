// The lab's load generator: requests through the VIP for a bounded time (and count), with a
// fresh TCP connection per request unless keepAlive, from many loopback client addresses;
// failures counted by kind, latency percentiles, and which release answered.
import { Agent, request } from 'node:http';
import { canBindClientAddresses, clientAddress } from './client-address.ts';

export interface LoadOptions {
  /** The VIP, e.g. `http://127.0.0.1:PORT/` (its path is requested unless `path` is given). */
  url: string;
  durationMs: number;
  /** Target requests per second over all workers; omitted = as fast as `concurrency` allows. */
  rps?: number;
  concurrency: number;
  keepAlive: boolean;
  /** Distinct 127.0.2.x source addresses (default 1: the OS picks 127.0.0.1). */
  clients?: number;
  signal?: AbortSignal;
  requestTimeoutMs: number;
  maxRequests?: number;
  path?: string;
  onResult?: (result: RequestOutcome) => void;
}

export type FailureKind = 'connect' | 'reset' | 'timeout' | 'non2xx' | 'other';

export interface RequestOutcome {
  ok: boolean;
  failure?: FailureKind;
  status?: number;
  latencyMs: number;
  version?: string;
  host?: string;
  error?: string;
}

export interface LoadResult {
  requests: number;
  ok: number;
  /** `connect`: never connected (refused, or reset before the handshake finished); `reset`: broken after. */
  failures: Record<FailureKind, number>;
  /** Milliseconds, over successful requests. */
  latency: { p50: number; p99: number; max: number };
  byVersion: Record<string, number>;
  byHost: Record<string, number>;
  /** Distinct source addresses actually used. */
  clients: number;
  durationMs: number;
  /** The first few distinct error descriptions, for diagnosis. */
  errorSamples: string[];
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRINUSE']);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const value = sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] ?? 0;
  return Math.round(value * 100) / 100;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** One GET; every outcome is a value. */
export function requestOnce(options: { url: URL; path: string; agent: Agent | false; localAddress?: string; timeoutMs: number }): Promise<RequestOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    let timedOut = false;
    const finish = (outcome: Omit<RequestOutcome, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, latencyMs: performance.now() - started });
    };
    const req = request({
      host: options.url.hostname,
      port: options.url.port,
      path: options.path,
      agent: options.agent,
      localAddress: options.localAddress,
      headers: options.agent ? undefined : { connection: 'close' },
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error('request timeout'));
    }, options.timeoutMs);
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on('error', (error) => finish({ ok: false, failure: timedOut ? 'timeout' : 'reset', error: error.message }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status <= 299;
        const version = /version=(\S+)/.exec(body)?.[1];
        const host = /host=(\S+)/.exec(body)?.[1];
        finish({ ok, status, version, host, ...(ok ? {} : { failure: 'non2xx' as const, error: `HTTP ${status}` }) });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      const failure: FailureKind = timedOut
        ? 'timeout'
        : CONNECT_ERRORS.has(code) || !connected
          ? 'connect'
          : code === 'ECONNRESET' || code === 'EPIPE'
            ? 'reset'
            : 'other';
      finish({ ok: false, failure, error: `${code || 'error'}: ${error.message}` });
    });
    req.end();
  });
}

/** Run load against `url` until durationMs passes, maxRequests are sent, or the signal aborts. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const path = options.path ?? `${url.pathname}${url.search}`;
  const wanted = Math.max(1, options.clients ?? 1);
  const clients = wanted > 1 && (await canBindClientAddresses()) ? wanted : 1;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const result: LoadResult = {
    requests: 0,
    ok: 0,
    failures: { connect: 0, reset: 0, timeout: 0, non2xx: 0, other: 0 },
    latency: { p50: 0, p99: 0, max: 0 },
    byVersion: {},
    byHost: {},
    clients,
    durationMs: 0,
    errorSamples: [],
  };
  const latencies: number[] = [];
  let issued = 0;
  const more = () => !options.signal?.aborted && performance.now() < deadline && (options.maxRequests === undefined || issued < options.maxRequests);

  const worker = async (w: number) => {
    const agent = options.keepAlive ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
    try {
      while (more()) {
        const n = issued++;
        if (options.rps) {
          const slot = started + (n * 1000) / options.rps;
          if (slot >= deadline) break;
          await sleep(slot - performance.now(), options.signal);
          if (options.signal?.aborted) break;
        }
        const k = options.keepAlive ? w : n;
        const localAddress = clients > 1 ? clientAddress(k % clients) : undefined;
        const outcome = await requestOnce({ url, path, agent, localAddress, timeoutMs: options.requestTimeoutMs });
        result.requests++;
        if (outcome.ok) {
          result.ok++;
          latencies.push(outcome.latencyMs);
        } else {
          result.failures[outcome.failure ?? 'other']++;
          if (outcome.error && result.errorSamples.length < 10 && !result.errorSamples.includes(outcome.error)) {
            result.errorSamples.push(outcome.error);
          }
        }
        if (outcome.version) result.byVersion[outcome.version] = (result.byVersion[outcome.version] ?? 0) + 1;
        if (outcome.host) result.byHost[outcome.host] = (result.byHost[outcome.host] ?? 0) + 1;
        options.onResult?.(outcome);
      }
    } finally {
      if (agent) agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, (_, w) => worker(w)));
  latencies.sort((a, b) => a - b);
  result.latency = { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: percentile(latencies, 1) };
  result.durationMs = Math.round(performance.now() - started);
  return result;
}
