// A lab director's live IPVS state: the virtual-service table the kernel would hold, its
// timeouts and sync daemons, plus the injected connection table and counters the listings
// are derived from. Its mutations behave like the kernel calls (errno results, no throws);
// every change is reported to the listeners so the lab can keep a timeline of weights.
// NOTE: deleting a dest keeps nothing here; its connections stay in the ConnectionSource
// (the kernel's trash) and count again only if the same dest is added back.
import { sameEndpoint, sameServiceKey } from '../../ipvs/address.ts';
import type { ConnCounts } from '../../ipvs/conn-count.ts';
import { DEFAULT_TIMEOUTS, IPVSADM_1_31 } from '../../ipvs/misc.ts';
import type { IpvsadmVersion, IpvsTimeouts } from '../../ipvs/misc.ts';
import type { ConnectionEntry, Endpoint, IpvsTable, ServiceKey } from '../../ipvs/model.ts';
import { failed, OK } from './errno.ts';
import type { KernelResult } from './errno.ts';
import { isUnicast, KNOWN_PES, KNOWN_SCHEDULERS } from './kernel-rules.ts';
import { buildTable } from './snapshot.ts';
import type {
  ConfiguredService,
  ConnectionSource,
  DestSettings,
  InitError,
  IpvsChange,
  IpvsChangeListener,
  ServiceSettings,
  StatsSource,
  SyncDaemon,
} from './types.ts';

export type * from './types.ts';
export type { Errno, KernelResult } from './errno.ts';

export interface IpvsStateOptions {
  /** `size=` of the version line (the connection hash size); 4096 by default. */
  connTableSize?: number;
  /** The connection table; none means an empty one. */
  connections?: ConnectionSource;
  /** A dest's ActiveConn/InActConn/PersistConn kept by the connection table (else counted by a scan). */
  counts?: (service: ServiceKey, dest: Endpoint) => ConnCounts | undefined;
  /** `--stats`/`--rate` counters; none means zeros. */
  stats?: StatsSource;
  /** Initial timeouts; the kernel defaults 900 120 300 otherwise. */
  timeouts?: IpvsTimeouts;
  /** Print the ipvsadm 1.27-1.29 (libnl-3) error texts instead of 1.31's. */
  legacyWording?: boolean;
  /** Make every command fail at start-up (a fault the lab can inject). */
  initError?: InitError;
  /** Kernel release named by modprobe when `initError` is 'no-ipvs'. */
  kernelRelease?: string;
  /** What `ipvsadm -v` reports; 1.31 by default. */
  version?: IpvsadmVersion;
  onChange?: IpvsChangeListener;
}

export interface IpvsState {
  /** Switch to the 1.27-1.29 error texts (can be flipped at any time). */
  legacyWording: boolean;
  /** When set, every ipvsadm command fails at start-up this way. */
  initError: InitError | undefined;
  readonly connTableSize: number;
  readonly kernelRelease: string;
  readonly version: IpvsadmVersion;

  /** Copies of the configured services and dests, in the order they were added. */
  services(): ConfiguredService[];
  /** The whole table as the model describes it, counters derived from connections and stats. */
  table(): IpvsTable;
  /** The connection table (every entry, trash included), in source order. */
  connections(): readonly ConnectionEntry[];
  timeouts(): IpvsTimeouts;
  daemons(): SyncDaemon[];

  addService(settings: ServiceSettings): KernelResult;
  editService(settings: ServiceSettings): KernelResult;
  deleteService(key: ServiceKey): KernelResult;
  /** `-C`: delete every service (reported as dest and service deletions). */
  flush(): KernelResult;
  addDest(service: ServiceKey, dest: DestSettings): KernelResult;
  /** Replace every attribute of an existing dest (ipvsadm `-e` semantics). */
  editDest(service: ServiceKey, dest: DestSettings): KernelResult;
  deleteDest(service: ServiceKey, dest: Endpoint): KernelResult;
  /** `-Z`: zero one service's counters, or all of them. */
  zero(service?: ServiceKey): KernelResult;
  /** `--set`: a 0 keeps the current value. */
  setTimeouts(timeouts: IpvsTimeouts): KernelResult;
  startDaemon(daemon: SyncDaemon): KernelResult;
  stopDaemon(state: SyncDaemon['state']): KernelResult;

  /** Listen to changes; returns the unsubscribe function. */
  subscribe(listener: IpvsChangeListener): () => void;
}

interface Slot {
  settings: ServiceSettings;
  dests: DestSettings[];
}

const copyService = (s: ServiceSettings): ServiceSettings => ({ ...s, key: { ...s.key }, flags: [...s.flags] });
const copyDest = (d: DestSettings): DestSettings => ({ ...d });

// The kernel's scheduler/pe lookups shared by add and edit (ENOENT when unknown).
function checkServiceModules(settings: ServiceSettings): KernelResult {
  if (!KNOWN_SCHEDULERS.includes(settings.scheduler)) return failed('ENOENT');
  if (settings.pe && !KNOWN_PES.includes(settings.pe)) return failed('ENOENT');
  return OK;
}

// `ip_vs_add_dest`/`ip_vs_edit_dest` refuse a lower threshold above the upper one.
const thresholdsValid = (d: DestSettings) => d.lowerThreshold <= d.upperThreshold;

export function createIpvsState(options: IpvsStateOptions = {}): IpvsState {
  let slots: Slot[] = [];
  let timeouts: IpvsTimeouts = { ...(options.timeouts ?? DEFAULT_TIMEOUTS) };
  let daemons: SyncDaemon[] = [];
  const listeners = new Set<IpvsChangeListener>();
  if (options.onChange) listeners.add(options.onChange);

  const emit = (change: IpvsChange) => {
    for (const listener of listeners) listener(change);
  };
  const find = (key: ServiceKey) => slots.find((s) => sameServiceKey(s.settings.key, key));
  const connections = () => options.connections?.entries() ?? [];

  const removeSlot = (slot: Slot) => {
    const key = slot.settings.key;
    for (const dest of slot.dests) emit({ type: 'dest-deleted', service: key, before: copyDest(dest) });
    slots = slots.filter((s) => s !== slot);
    emit({ type: 'service-deleted', service: key, before: copyService(slot.settings) });
  };

  const state: IpvsState = {
    legacyWording: options.legacyWording ?? false,
    initError: options.initError,
    connTableSize: options.connTableSize ?? 4096,
    kernelRelease: options.kernelRelease ?? '6.1.0-18-amd64',
    version: options.version ?? IPVSADM_1_31,

    services: () => slots.map((s) => ({ ...copyService(s.settings), dests: s.dests.map(copyDest) })),
    table: () => buildTable({ connTableSize: state.connTableSize, services: state.services(), connections, counts: options.counts, stats: options.stats }),
    connections,
    timeouts: () => ({ ...timeouts }),
    daemons: () => daemons.map((d) => ({ ...d })),

    addService(settings) {
      if (find(settings.key)) return failed('EEXIST');
      const modules = checkServiceModules(settings);
      if (!modules.ok) return modules;
      slots.push({ settings: copyService(settings), dests: [] });
      emit({ type: 'service-added', service: settings.key, after: copyService(settings) });
      return OK;
    },
    editService(settings) {
      const slot = find(settings.key);
      if (!slot) return failed('ESRCH');
      const modules = checkServiceModules(settings);
      if (!modules.ok) return modules;
      const before = slot.settings;
      slot.settings = { ...copyService(settings), key: before.key };
      emit({ type: 'service-edited', service: before.key, before: copyService(before), after: copyService(slot.settings) });
      return OK;
    },
    deleteService(key) {
      const slot = find(key);
      if (!slot) return failed('ESRCH');
      removeSlot(slot);
      return OK;
    },
    flush() {
      for (const slot of [...slots]) removeSlot(slot);
      return OK;
    },
    addDest(key, dest) {
      const slot = find(key);
      if (!slot) return failed('ESRCH');
      if (!thresholdsValid(dest)) return failed('ERANGE');
      if (slot.dests.some((d) => sameEndpoint(d, dest))) return failed('EEXIST');
      if (!isUnicast(dest.family, dest.address)) return failed('EINVAL');
      slot.dests.push(copyDest(dest));
      emit({ type: 'dest-added', service: slot.settings.key, after: copyDest(dest) });
      return OK;
    },
    editDest(key, dest) {
      const slot = find(key);
      if (!slot) return failed('ESRCH');
      if (!thresholdsValid(dest)) return failed('ERANGE');
      const index = slot.dests.findIndex((d) => sameEndpoint(d, dest));
      const before = slot.dests[index];
      if (!before) return failed('ENOENT');
      const after = { ...copyDest(dest), family: before.family, address: before.address, port: before.port };
      slot.dests[index] = after;
      emit({ type: 'dest-edited', service: slot.settings.key, before: copyDest(before), after: copyDest(after) });
      return OK;
    },
    deleteDest(key, endpoint) {
      const slot = find(key);
      if (!slot) return failed('ESRCH');
      const before = slot.dests.find((d) => sameEndpoint(d, endpoint));
      if (!before) return failed('ENOENT');
      slot.dests = slot.dests.filter((d) => d !== before);
      emit({ type: 'dest-deleted', service: slot.settings.key, before: copyDest(before) });
      return OK;
    },
    zero(key) {
      if (key && !find(key)) return failed('ESRCH');
      options.stats?.zero?.(key);
      emit(key ? { type: 'zeroed', service: key } : { type: 'zeroed' });
      return OK;
    },
    setTimeouts(next) {
      const before = timeouts;
      timeouts = { tcp: next.tcp || before.tcp, tcpFin: next.tcpFin || before.tcpFin, udp: next.udp || before.udp };
      emit({ type: 'timeouts-set', before: { ...before }, after: { ...timeouts } });
      return OK;
    },
    startDaemon(daemon) {
      if (daemons.some((d) => d.state === daemon.state)) return failed('EEXIST');
      daemons = [...daemons, { ...daemon }].sort((a, b) => (a.state === b.state ? 0 : a.state === 'master' ? -1 : 1));
      return OK;
    },
    stopDaemon(which) {
      if (!daemons.some((d) => d.state === which)) return failed('ESRCH');
      daemons = daemons.filter((d) => d.state !== which);
      return OK;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return state;
}
