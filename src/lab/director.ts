// One lab director: an ipvsadm emulator state over its own connection table and traffic
// counters, optionally driven by a keepalived-like checker. Its `ipvsadm` tool runs the emulator.
import { describeServiceKey } from '../ipvs/address.ts';
import type { Endpoint, ServiceKey } from '../ipvs/model.ts';
import { runIpvsadm } from './ipvsadm/cli.ts';
import { createIpvsState, type IpvsState } from './ipvsadm/state.ts';
import type { DestSettings, IpvsChange } from './ipvsadm/types.ts';
import { createConnTable, type ConnTable } from './net/conn-table.ts';
import { DEFAULT_TCP_TIMEOUTS, type TcpState } from './net/tcp-states.ts';
import { startChecker, type ApplyResult, type Checker, type CheckedService, type CheckerCommand } from './net/keepalived.ts';

export interface LabDirector {
  name: string;
  state: IpvsState;
  conns: ConnTable;
  checker: Checker | undefined;
  /** Runs an ipvsadm command line (argv without the program name). */
  ipvsadm(argv: string[], stdin?: string): { stdout: string; stderr: string; exitCode: number };
  /** Starts the keepalived-like checker over these services (after the table is built). */
  startChecker(services: CheckedService[]): Promise<void>;
  stop(): Promise<void>;
}

const endpointOf = (key: ServiceKey): Endpoint | undefined =>
  key.kind === 'addr' ? { family: key.family, address: key.address, port: key.port } : undefined;

/** keepalived's IPVS command on the kernel API: errno comes back as ipvs_talk sees it. */
function applyChecker(state: IpvsState, command: CheckerCommand): ApplyResult {
  const dest: DestSettings = { ...command.dest, weight: command.weight, upperThreshold: 0, lowerThreshold: 0 };
  const result =
    command.op === 'add' ? state.addDest(command.service, dest) : command.op === 'edit' ? state.editDest(command.service, dest) : state.deleteDest(command.service, command.dest);
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
  const floor = LIVE_FLOOR_S / timeScale;
  const live: TcpState[] = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'SYNACK'];
  return Object.fromEntries(live.map((state) => [state, Math.max(DEFAULT_TCP_TIMEOUTS[state], floor)]));
}

export function createLabDirector(options: {
  name: string;
  timeScale: number;
  onChange: (director: string, change: IpvsChange) => void;
}): LabDirector {
  const conns = createConnTable({ timeScale: options.timeScale, timeouts: liveStateTimeouts(options.timeScale) });
  const state = createIpvsState({
    connections: conns,
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
