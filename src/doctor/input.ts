// Raw texts read from the directors over SSH → DoctorInput. Every piece is optional; a piece
// that does not parse becomes an `unreadable` entry (a warning), never an exception.
import type { AppSettings, Pipeline, RealServer, Service } from '../config/types.ts';
import { parseIpvsList } from '../ipvs/list-parse.ts';
import { parseTimeouts, parseVersion } from '../ipvs/misc.ts';
import type { IpvsTable } from '../ipvs/model.ts';
import { overlayListing } from '../ipvs/overlay.ts';
import { parseKeepalivedConf } from '../keepalived/parse.ts';
import { DEFAULT_KEEPALIVED_CONF } from './reads.ts';
import { VS_SYSCTLS, type DoctorDirector, type DoctorInput, type DoctorNetwork, type VsSysctlName, type VsSysctls } from './types.ts';

export interface DoctorRawDirector {
  name: string;
  /** stdout of `ipvsadm -L -n`. */
  list?: string;
  /** stdout of `ipvsadm -L -n --thresholds` (adds -x/-y to the table). */
  thresholds?: string;
  /** The `directors[].keepalived` path, for messages. */
  keepalivedPath?: string;
  /** The text of that keepalived.conf. */
  keepalived?: string;
  /**
   * Either one text per sysctl (`cat /proc/sys/net/ipv4/vs/NAME`), or one text holding several
   * as `sysctl net.ipv4.vs.NAME …` (`net.ipv4.vs.NAME = 1`) or `grep -H . /proc/sys/net/ipv4/vs/NAME …`
   * (`/proc/sys/net/ipv4/vs/NAME:1`) print them.
   */
  sysctls?: string | Partial<Record<VsSysctlName, string>>;
  /** stdout of `ipvsadm -v`. */
  version?: string;
  /** stdout of `ipvsadm -L --timeout`. */
  timeout?: string;
  /** Reads that failed before any parsing (SSH error, non-zero exit): what → reason. */
  failed?: Readonly<Record<string, string>>;
}

export interface DoctorRawInput {
  /** The loaded cluster (a `Cluster` fits). */
  cluster: {
    services: readonly Pick<Service, 'key'>[];
    realServers: readonly (Pick<RealServer, 'name' | 'address' | 'destinations'> & { app?: Pick<AppSettings, 'healthFile' | 'healthUrl'> })[];
  };
  /** The loaded pipeline (a `Pipeline` fits); absent = the drain checks are skipped. */
  pipeline?: Pick<Pipeline, 'drain'>;
  directors: DoctorRawDirector[];
  /** `test -f {{healthFile}}` per server name, when checked. */
  healthFiles?: Readonly<Record<string, boolean>>;
  /** The hosts' network facts (readDoctorNetwork, net-reads.ts); absent = those checks are skipped. */
  network?: DoctorNetwork;
}

const asNumber = (text: string | undefined): number | undefined => {
  const t = text?.trim();
  return t !== undefined && /^-?\d+$/.test(t) ? Number(t) : undefined;
};

/** The three IPVS sysctls from either raw form; names that are absent or not numbers are left out. */
export function parseVsSysctls(raw: string | Partial<Record<VsSysctlName, string>>): VsSysctls {
  const out: VsSysctls = {};
  if (typeof raw !== 'string') {
    for (const name of VS_SYSCTLS) {
      const value = asNumber(raw[name]);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  for (const line of raw.split('\n')) {
    const m = /(?:net\.ipv4\.vs\.|\/proc\/sys\/net\/ipv4\/vs\/)(\w+)\s*[:=]\s*(-?\d+)\s*$/.exec(line.trim());
    const name = m?.[1] as VsSysctlName | undefined;
    if (name && (VS_SYSCTLS as readonly string[]).includes(name)) out[name] = Number(m?.[2]);
  }
  return out;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readDirector(raw: DoctorRawDirector): DoctorDirector {
  const director: DoctorDirector = { name: raw.name, unreadable: [] };
  for (const [what, why] of Object.entries(raw.failed ?? {})) director.unreadable.push({ what, reason: why });
  const attempt = (what: string, read: () => void) => {
    try {
      read();
    } catch (error) {
      director.unreadable.push({ what, reason: reason(error) });
    }
  };
  if (raw.list !== undefined) {
    attempt('ipvsadm -L -n', () => {
      const listing = parseIpvsList(raw.list ?? '');
      const table: IpvsTable = { connTableSize: listing.connTableSize ?? 4096, services: listing.services };
      director.table = table;
    });
  }
  if (raw.thresholds !== undefined && director.table) {
    attempt('ipvsadm -L -n --thresholds', () => {
      const table = director.table as IpvsTable;
      director.table = { ...table, services: overlayListing(table.services, parseIpvsList(raw.thresholds ?? '')) };
    });
  }
  if (raw.keepalived !== undefined) {
    // Without directors[].keepalived the text came from the default path (reads.ts probes it).
    director.keepalived = { path: raw.keepalivedPath ?? DEFAULT_KEEPALIVED_CONF, parsed: parseKeepalivedConf(raw.keepalived) };
  }
  if (raw.sysctls !== undefined) director.sysctls = parseVsSysctls(raw.sysctls);
  if (raw.version !== undefined) attempt('ipvsadm -v', () => (director.ipvsadm = parseVersion(raw.version ?? '')));
  if (raw.timeout !== undefined) attempt('ipvsadm -L --timeout', () => (director.timeouts = parseTimeouts(raw.timeout ?? '')));
  return director;
}

/** Build the doctor's input from what was read on the directors; tolerates any missing piece. */
export function buildDoctorInput(raw: DoctorRawInput): DoctorInput {
  const drain = raw.pipeline?.drain;
  return {
    services: raw.cluster.services.map((s) => s.key),
    servers: raw.cluster.realServers.map((s) => ({
      name: s.name,
      address: s.address,
      destinations: s.destinations.map((d) => ({ service: d.service, endpoint: d.endpoint })),
      ...(s.app?.healthFile !== undefined ? { healthFile: s.app.healthFile } : {}),
      ...(s.app?.healthUrl !== undefined ? { healthUrl: s.app.healthUrl } : {}),
    })),
    directors: raw.directors.map(readDirector),
    ...(drain ? { drain: { method: drain.method, connections: drain.connections, timeoutMs: drain.timeoutMs, onTimeout: drain.onTimeout } } : {}),
    ...(raw.healthFiles ? { healthFiles: raw.healthFiles } : {}),
    ...(raw.network ? { network: raw.network } : {}),
  };
}
