// Counts the ipvsadm invocations that reach the lab's directors (the tool server looks
// `director.ipvsadm` up at call time, so wrapping it sees every command the engine runs).
import type { Lab } from '../src/lab/lab.ts';

export interface IpvsadmCall {
  director: string;
  argv: string[];
  at: number;
}

export interface IpvsadmRecorder {
  calls: IpvsadmCall[];
  stop(): void;
}

export function recordIpvsadm(lab: Lab): IpvsadmRecorder {
  const calls: IpvsadmCall[] = [];
  const undo: (() => void)[] = [];
  for (const d of lab.directors) {
    const original = d.ipvsadm;
    d.ipvsadm = (argv, stdin) => {
      calls.push({ director: d.name, argv: [...argv], at: Date.now() });
      return original(argv, stdin);
    };
    undo.push(() => {
      d.ipvsadm = original;
    });
  }
  return {
    calls,
    stop: () => {
      for (const u of undo.splice(0)) u();
    },
  };
}

/** True for an argv that changes the table (add, edit, delete, restore, clear, zero). */
export function isMutating(argv: readonly string[]): boolean {
  return argv.some((a) => /^-[AEDCRaedZ]$|^--(add|edit|delete|clear|restore|zero)/.test(a));
}

export interface IpvsadmPerServer {
  server: string;
  /** Table changes naming this server (-a/-e/-d with -r its address), over all directors. */
  mutating: number;
  /** Every ipvsadm call (reads included) made while this server's batch ran. */
  duringBatch: number;
  /** Of those, the ones that only read (-L/-S): table reads, confirmations, connection counts. */
  readsDuringBatch: number;
}

/**
 * Per server: mutating calls are attributed by `-r 127.0.0.1:PORT`; all calls by batch window
 * (exact with --batch 1, where prepare-ahead never calls ipvsadm).
 */
export function ipvsadmPerServer(
  calls: readonly IpvsadmCall[],
  servers: readonly { name: string; httpPort: number }[],
  windows: readonly { servers: string[]; from: number; to: number }[],
): { perServer: IpvsadmPerServer[]; outsideBatches: number; total: number } {
  const portOf = (argv: readonly string[]) => {
    const i = argv.findIndex((a) => a === '-r' || a === '--real-server');
    const target = i >= 0 ? argv[i + 1] : undefined;
    return target ? Number(target.slice(target.lastIndexOf(':') + 1)) : undefined;
  };
  // Event timestamps have ms resolution; widen by 1 ms on each side.
  const inWindow = (c: IpvsadmCall, w: { from: number; to: number }) => c.at >= w.from - 1 && c.at <= w.to + 1;
  const perServer = servers.map((s) => {
    const during = calls.filter((c) => windows.some((w) => w.servers.includes(s.name) && inWindow(c, w)));
    return {
      server: s.name,
      mutating: calls.filter((c) => isMutating(c.argv) && portOf(c.argv) === s.httpPort).length,
      duringBatch: during.length,
      readsDuringBatch: during.filter((c) => !isMutating(c.argv)).length,
    };
  });
  const outsideBatches = calls.filter((c) => !windows.some((w) => inWindow(c, w))).length;
  return { perServer, outsideBatches, total: calls.length };
}
