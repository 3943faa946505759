// The lab app's port: chosen by binding it, and kept for the app's lifetime, restarts included.
// NOTE: the app listens below the kernel's ephemeral range (a port from it can be taken by any
// outgoing connection while the app is down for a restart), so it cannot use port 0: it draws
// ports at random there and binds, trying another on EADDRINUSE. While it is down for a restart
// no socket holds the port, so each app also claims its port machine-wide by binding a Unix
// socket in Linux's abstract namespace, named after the port: another lab app (in this process
// or any other) cannot draw that port, and the kernel drops the claim when its holder dies.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';

export interface AppPortLease {
  readonly port: number;
  /** Gives the port back (the app's final close). */
  release(): Promise<void>;
}

/** Draws the next candidate port. */
export type PortPicker = () => number;

const ATTEMPTS = 200;
// Ports claimed by this process: the claim on platforms without the abstract namespace, and a
// fast path on Linux.
const claimedHere = new Set<number>();

// The low end of the kernel's ephemeral range (Linux); 32768 when unknown.
async function ephemeralLow(): Promise<number> {
  try {
    const low = Number((await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : 32768;
  } catch {
    return 32768;
  }
}

/** Random ports below the ephemeral range (from 10000, or lower when that range starts low). */
export async function belowEphemeral(): Promise<{ pick: PortPicker; low: number }> {
  const low = await ephemeralLow();
  const from = Math.min(10_000, low - 1000);
  return { low, pick: () => from + Math.floor(Math.random() * (low - from)) };
}

const isInUse = (error: unknown) => (error as NodeJS.ErrnoException).code === 'EADDRINUSE';

function listenOn(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Claims `port` among lab apps; undefined when another one holds it. */
export async function claimAppPort(port: number): Promise<AppPortLease | undefined> {
  if (claimedHere.has(port)) return undefined;
  claimedHere.add(port);
  let claim: Server | undefined;
  if (process.platform === 'linux') {
    claim = createServer();
    try {
      await listenOn(claim, `\0lvs-release-lab/app-port/${port}`);
      // Bookkeeping only: it must not keep a process alive.
      claim.unref();
    } catch (error) {
      if (isInUse(error)) {
        claimedHere.delete(port);
        return undefined;
      }
      // No abstract namespace here (a sandbox may refuse it): the claim holds in this process only.
      claim = undefined;
    }
  }
  let released = false;
  return {
    port,
    async release() {
      if (released) return;
      released = true;
      if (claim) await new Promise<void>((resolve) => (claim as Server).close(() => resolve()));
      claimedHere.delete(port);
    },
  };
}

/**
 * Draws ports until one is both claimed and bound by `bind` (which listens on it, or throws
 * EADDRINUSE); returns the lease and what `bind` returned.
 */
export async function bindAppPort<T>(bind: (port: number) => Promise<T>, options: { pick?: PortPicker } = {}): Promise<{ lease: AppPortLease; bound: T }> {
  const { pick, low } = options.pick ? { pick: options.pick, low: undefined } : await belowEphemeral();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const lease = await claimAppPort(pick());
    if (!lease) continue;
    try {
      return { lease, bound: await bind(lease.port) };
    } catch (error) {
      await lease.release();
      if (!isInUse(error)) throw error;
    }
  }
  throw new Error(`app: no free loopback port${low ? ` below ${low}` : ''} after ${ATTEMPTS} attempts`);
}
