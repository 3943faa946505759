// One lab director: an ipvsadm emulator state over its own connection table and traffic
// counters, optionally driven by a keepalived-like checker. Its `ipvsadm` tool runs the emulator.
import { describeServiceKey } from '../ipvs/address.ts';
import type { Endpoint, IpvsTable, ServiceKey } from '../ipvs/model.ts';
import { runIpvsadm } from './ipvsadm/cli.ts';
import { createIpvsState, type IpvsState } from './ipvsadm/state.ts';
import type { DestSettings, IpvsChange } from './ipvsadm/types.ts';
import { createConnTable, type ConnTable } from './net/conn-table.ts';
import { DEFAULT_TCP_TIMEOUTS, type TcpState } from './net/tcp-states.ts';
import { startChecker, type ApplyResult, type Checker, type CheckedService, type CheckerCommand } from './net/keepalived.ts';

export interface LabDirector {
  name: string;
  state: IpvsState;
  /** The configured services and dests without counters: what the VIP routes by, cheap per packet. */
  routes(): IpvsTable;
  conns: ConnTable;
  checker: Checker | undefined;
  /** Runs an ipvsadm command line (argv without the program name). */
  ipvsadm(argv: string[], stdin?: string): { stdout: string; stderr: string; exitCode: number };
  /** Starts the keepalived-like checker over these services (after the table is built). */
  startChecker(services: CheckedService[]): Promise<void>;
  stop(): Promise<void>;
}

const endpointOf = (key: ServiceKey): Endpoint | undefined => (key.kind === 'addr' ? { family: key.family, address: key.address, port: key.port } : undefined);

/** keepalived's IPVS command on the kernel API: errno comes back as ipvs_talk sees it. */
function applyChecker(state: IpvsState, command: CheckerCommand): ApplyResult {
  const dest: DestSettings = { ...command.dest, weight: command.weight, upperThreshold: 0, lowerThreshold: 0 };
  const result =
    command.op === 'add'
      ? state.addDest(command.service, dest)
      : command.op === 'edit'
        ? state.editDest(command.service, dest)
        : state.deleteDest(command.service, command.dest);
  if (result.ok) return { ok: true };
  const errno = result.errno === 'EEXIST' || result.errno === 'ENOENT' || result.errno === 'ESRCH' || result.errno === 'EINVAL' ? result.errno : 'OTHER';
  return { ok: false, errno };
}

/** Real seconds a flow that may still carry data lives at least, whatever the time scale. */
const LIVE_FLOOR_S = 120;

/**
 * NOTE: scaled timeouts keep drains short (TIME_WAIT 120 s × scale), but the states of a flow that
 * may still carry data (a slow backend connect, a slow response) must outlive a loaded machine's
 * delays, or the lab itself resets clients. Only the states after both sides closed stay scaled.
 */
export function liveStateTimeouts(timeScale: number): Partial<Record<TcpState, number>> {
  // Unscaled (real TCP timeouts asked for): the kernel's own values, SYN_RECV 60 s and LAST_ACK 30 s too.
  if (timeScale >= 1) return {};
  const floor = LIVE_FLOOR_S / timeScale;
  const live: TcpState[] = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'SYNACK'];
  return Object.fromEntries(live.map((state) => [state, Math.max(DEFAULT_TCP_TIMEOUTS[state], floor)]));
}

export function createLabDirector(options: {
  name: string;
  /** Persistence templates' timeouts scaled by this. */
  timeScale: number;
  /** TCP state timeouts scaled by this (default `timeScale`; 1 keeps TIME_WAIT at its real 120 s). */
  tcpTimeScale?: number;
  onChange: (director: string, change: IpvsChange) => void;
}): LabDirector {
  const tcpTimeScale = options.tcpTimeScale ?? options.timeScale;
  const conns = createConnTable({ timeScale: tcpTimeScale, templateTimeScale: options.timeScale, timeouts: liveStateTimeouts(tcpTimeScale) });
  const state = createIpvsState({
    connections: conns,
    // NOTE: the table keeps running counts per (virtual, dest); a listing then costs O(dests),
    // not O(dests × connections), which matters with real TIME_WAIT/FIN_WAIT under load.
    counts: (service, dest) => (service.kind === 'addr' && service.protocol === 'tcp' ? conns.countsFor(dest, endpointOf(service)) : undefined),
    stats: {
      stats: (service, dest) => {
        const virtual = endpointOf(service);
        return virtual ? conns.traffic.statsFor(virtual, dest) : undefined;
      },
      rate: (service, dest) => {
        const virtual = endpointOf(service);
        return virtual ? conns.traffic.rateFor(virtual, dest) : undefined;
      },
      zero: (service) => conns.traffic.zero(service ? endpointOf(service) : undefined),
    },
    onChange: (change) => options.onChange(options.name, change),
  });
  const director: LabDirector = {
    name: options.name,
    state,
    routes: () => ({
      connTableSize: state.connTableSize,
      services: state.services().map((s) => ({ ...s, dests: s.dests.map((d) => ({ ...d, activeConns: 0, inactiveConns: 0, persistConns: 0 })) })),
    }),
    conns,
    checker: undefined,
    ipvsadm: (argv, stdin = '') => runIpvsadm(state, argv, stdin),
    async startChecker(services) {
      director.checker = startChecker({
        services,
        apply: (command) => applyChecker(state, command),
      });
      await director.checker.ready;
    },
    async stop() {
      await director.checker?.stop();
      conns.close();
      conns.traffic.close();
    },
  };
  return director;
}

export function describeChange(change: IpvsChange): string {
  const c = change as { type: string; service?: { key: ServiceKey }; after?: { address?: string; port?: number; weight?: number } };
  const service = c.service ? describeServiceKey(c.service.key) : '';
  return `${c.type} ${service}`.trim();
}
