// The app on a lab server: serves the release `current` points to, restarts gracefully on the same port.
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRelease, type ReleaseInfo } from './release.ts';
import { handleRequest } from './routes.ts';

export const APP_DEFAULTS = {
  root: 'app',
  healthFile: 'app/shared/health/ready.html',
  healthPath: '/health/ready.html',
} as const;

export interface AppOptions {
  name: string;
  /** The server's directory; `root` and `healthFile` are relative to it. */
  dir: string;
  /** 0/absent: a free port is picked once and kept across restarts. */
  port?: number;
  healthPath?: string;
  healthFile?: string;
  root?: string;
  /** How long a (re)start takes between the old process stopping and the new one listening. */
  startDelayMs?: number;
  /** How long a stop waits for in-flight requests before cutting their connections. */
  drainTimeoutMs?: number;
  onEvent?: (event: AppEvent) => void;
  now?: () => number;
}

export type AppEvent =
  | { type: 'app-started'; name: string; version: string; id: number; port: number }
  | { type: 'app-stopping'; name: string; version: string; inFlight: number }
  | { type: 'app-stopped'; name: string; version: string; cut: boolean }
  | { type: 'app-start-failed'; name: string; reason: string };

export interface AppStatus {
  running: boolean;
  version: string | null;
  /** A pid-like id, new on every start. */
  id: number | null;
  /** Epoch ms of the current start. */
  startedAt: number | null;
  port: number;
  inFlight: number;
}

export type StartResult = { ok: true; version: string; id: number } | { ok: false; reason: string };

export interface App {
  name: string;
  port: number;
  status(): AppStatus;
  /** Graceful stop, `startDelayMs`, then start on the new `current`; a broken release leaves it down. */
  restart(): Promise<StartResult>;
  start(): Promise<StartResult>;
  /** Graceful stop; the app stays down. */
  stop(): Promise<void>;
  /** Final shutdown (graceful, then nothing restarts it). */
  close(): Promise<void>;
}

interface Instance {
  server: Server;
  release: ReleaseInfo;
  id: number;
  startedAt: number;
  inFlight: number;
  draining: boolean;
}

let nextId = 1000;

// Is this loopback port free to listen on right now?
async function canListen(port: number): Promise<boolean> {
  const probe = createTcpServer();
  probe.on('error', () => undefined);
  probe.listen(port, '127.0.0.1');
  const ok = await Promise.race([once(probe, 'listening').then(() => true), once(probe, 'error').then(() => false)]);
  if (ok) await new Promise<void>((r) => probe.close(() => r()));
  return ok;
}

// The low end of the kernel's ephemeral range (Linux); 32768 when unknown.
async function ephemeralLow(): Promise<number> {
  try {
    const low = Number((await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : 32768;
  } catch {
    return 32768;
  }
}

// NOTE: a port from the ephemeral range can be taken by any outgoing connection on the machine
// while the app is down for a restart, and then stays blocked in TIME_WAIT: the restart (and the
// rollback's) fails with EADDRINUSE. Pick below that range, where connect() never draws from.
async function pickFreePort(): Promise<number> {
  const low = await ephemeralLow();
  const from = Math.min(10_000, low - 1000);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = from + Math.floor(Math.random() * (low - from));
    if (await canListen(port)) return port;
  }
  throw new Error(`app: no free loopback port below ${low}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the app (a broken initial release leaves it down, like a failed restart). */
export async function startApp(options: AppOptions): Promise<App> {
  const { name, dir } = options;
  const now = options.now ?? Date.now;
  const emit = options.onEvent ?? (() => undefined);
  const healthPath = options.healthPath ?? APP_DEFAULTS.healthPath;
  const healthFile = join(dir, options.healthFile ?? APP_DEFAULTS.healthFile);
  const current = join(dir, options.root ?? APP_DEFAULTS.root, 'current');
  const drainTimeoutMs = options.drainTimeoutMs ?? 5000;
  const port = options.port || (await pickFreePort());
  let instance: Instance | undefined;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  // One lifecycle operation at a time: two app-ctl restarts must not interleave.
  const serialized = <T>(op: () => Promise<T>): Promise<T> => {
    const result = queue.then(op);
    queue = result.catch(() => undefined);
    return result;
  };

  const failStart = (reason: string): StartResult => {
    emit({ type: 'app-start-failed', name, reason });
    return { ok: false, reason };
  };

  const listen = async (release: ReleaseInfo): Promise<StartResult> => {
    const inst: Instance = { server: createHttpServer(), release, id: nextId++, startedAt: now(), inFlight: 0, draining: false };
    const ctx = { name, release, healthPath, healthFile, isDraining: () => inst.draining };
    inst.server.on('request', (req, res) => {
      inst.inFlight++;
      res.once('close', () => inst.inFlight--);
      void handleRequest(req, res, ctx).catch(() => res.destroy());
    });
    try {
      inst.server.listen(port, '127.0.0.1');
      await once(inst.server, 'listening');
    } catch (error) {
      return failStart(`cannot listen on 127.0.0.1:${port}: ${(error as Error).message}`);
    }
    instance = inst;
    emit({ type: 'app-started', name, version: release.version, id: inst.id, port });
    return { ok: true, version: release.version, id: inst.id };
  };

  const startNow = async (): Promise<StartResult> => {
    if (closed) return { ok: false, reason: 'app is closed' };
    if (instance) return { ok: true, version: instance.release.version, id: instance.id };
    await sleep(options.startDelayMs ?? 0);
    const read = await readRelease(current);
    if (!read.ok) return failStart(read.reason);
    if (read.release.broken === 'start') return failStart(`release ${read.release.version} is broken: it fails to start`);
    return listen(read.release);
  };

  // Stop accepting, let in-flight requests finish (bounded), then cut what is left.
  const stopNow = async (): Promise<void> => {
    const inst = instance;
    if (!inst) return;
    instance = undefined;
    inst.draining = true;
    emit({ type: 'app-stopping', name, version: inst.release.version, inFlight: inst.inFlight });
    const allClosed = new Promise<void>((r) => inst.server.close(() => r()));
    inst.server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), drainTimeoutMs)));
    const cut = await Promise.race([allClosed.then(() => false), timedOut]);
    clearTimeout(timer);
    if (cut) {
      inst.server.closeAllConnections();
      await allClosed;
    }
    emit({ type: 'app-stopped', name, version: inst.release.version, cut });
  };

  await startNow();

  return {
    name,
    port,
    status: () => ({
      running: instance !== undefined,
      version: instance?.release.version ?? null,
      id: instance?.id ?? null,
      startedAt: instance?.startedAt ?? null,
      port,
      inFlight: instance?.inFlight ?? 0,
    }),
    restart: () =>
      serialized(async () => {
        await stopNow();
        return startNow();
      }),
    start: () => serialized(startNow),
    stop: () => serialized(stopNow),
    close: () =>
      serialized(async () => {
        closed = true;
        await stopNow();
      }),
  };
}
