// The app on a lab server: serves the release `current` points to, restarts gracefully on the same port.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { bindAppPort, type AppPortLease, type PortPicker } from './app-port.ts';
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
  /** 0/absent: a free port below the ephemeral range is bound at start and kept across restarts. */
  port?: number;
  /** The address it listens on (default 127.0.0.1; a DR real server's own 127.0.1.N). */
  host?: string;
  /** Where that port is drawn from (default: at random below the ephemeral range); for tests. */
  pickPort?: PortPicker;
  healthPath?: string;
  healthFile?: string;
  root?: string;
  /** How long a (re)start takes between the old process stopping and the new one listening. */
  startDelayMs?: number;
  /** How long a stop waits for in-flight requests before cutting their connections. */
  drainTimeoutMs?: number;
  onEvent?: (event: AppEvent) => void;
  /** Every response once sent (benchmarks: the first 2xx of a new instance is its first passing check). */
  onResponse?: (response: AppResponse) => void;
  now?: () => number;
}

export interface AppResponse {
  name: string;
  /** The instance that answered. */
  id: number;
  status: number;
  /** Epoch ms: the request arrived, and its response was handed to the kernel. */
  arrivedAt: number;
  finishedAt: number;
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

/** One TCP connection the app holds, as `ss` would show it. */
export interface AppConnection {
  state: 'ESTAB' | 'CLOSE-WAIT' | 'FIN-WAIT-1';
  local: { address: string; port: number };
  peer: { address: string; port: number };
  /** Bytes written and not yet flushed to the kernel (ss's Send-Q is at least this). */
  pending: number;
}

export interface App {
  name: string;
  port: number;
  host: string;
  status(): AppStatus;
  /** The listening socket (while running) and every open connection, old instances' included. */
  sockets(): { listening: boolean; connections: AppConnection[] };
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

// Listens on host:port, rejecting on an error (EADDRINUSE...).
function listenOn(server: NetServer, port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

// Binds a port and closes it again: the port of an app that starts down, kept by its claim.
async function bindAndClose(port: number, host?: string): Promise<void> {
  const server = createTcpServer();
  await listenOn(server, port, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
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
  const host = options.host ?? '127.0.0.1';
  // Every connection of every instance until it closes: a draining instance's count too (`ss`).
  const open = new Set<Socket>();
  const pickPort = options.pickPort ? { pick: options.pickPort } : {};
  // The caller's port, or the one the first start binds (kept, with its claim, until close).
  let port = options.port ?? 0;
  let lease: AppPortLease | undefined;
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
    inst.server.on('connection', (socket: Socket) => {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    });
    inst.server.on('request', (req, res) => {
      inst.inFlight++;
      res.once('close', () => inst.inFlight--);
      const onResponse = options.onResponse;
      if (onResponse) {
        const arrivedAt = now();
        res.once('finish', () => onResponse({ name, id: inst.id, status: res.statusCode, arrivedAt, finishedAt: now() }));
      }
      void handleRequest(req, res, ctx).catch(() => res.destroy());
    });
    try {
      if (port) await listenOn(inst.server, port, host);
      else {
        ({ lease } = await bindAppPort((p) => listenOn(inst.server, p, host), pickPort));
        port = lease.port;
      }
    } catch (error) {
      return failStart(port ? `cannot listen on ${host}:${port}: ${(error as Error).message}` : (error as Error).message);
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
  // Started down (no release, or a broken one): the port is still chosen by binding it, then kept by its claim.
  if (!port) {
    ({ lease } = await bindAppPort((p) => bindAndClose(p, host), pickPort));
    port = lease.port;
  }

  // NOTE: Node cannot see the kernel's states; these follow from which side has sent its FIN.
  const connectionOf = (socket: Socket): AppConnection | undefined => {
    if (socket.destroyed || socket.remoteAddress === undefined || socket.remotePort === undefined) return undefined;
    const state = socket.writableEnded ? 'FIN-WAIT-1' : socket.readableEnded ? 'CLOSE-WAIT' : 'ESTAB';
    return {
      state,
      local: { address: socket.localAddress ?? host, port: socket.localPort ?? port },
      peer: { address: socket.remoteAddress, port: socket.remotePort },
      pending: socket.writableLength,
    };
  };

  return {
    name,
    port,
    host,
    sockets: () => ({
      listening: instance !== undefined,
      connections: [...open].map(connectionOf).filter((c) => c !== undefined),
    }),
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
        await lease?.release();
      }),
  };
}
