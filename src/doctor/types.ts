// What `release doctor` looks at and what it reports. Checks are pure functions of DoctorInput.
import type { DrainSettings } from '../config/types.ts';
import type { IpvsTimeouts, IpvsadmVersion } from '../ipvs/misc.ts';
import type { Endpoint, IpvsTable, ServiceKey } from '../ipvs/model.ts';
import type { HostNetFacts } from '../hosts/types.ts';
import type { ParsedKeepalived } from '../keepalived/types.ts';

export type FindingLevel = 'error' | 'warn' | 'info';

/** What a finding is about; empty = the cluster or its pipeline as a whole. */
export interface FindingSubject {
  director?: string;
  /** Service label, e.g. `TCP 10.0.0.100:80` (describeServiceKey). */
  service?: string;
  server?: string;
}

export interface Finding {
  /** Stable kebab-case name of the check, e.g. `healthfile-without-inhibit`. */
  id: string;
  level: FindingLevel;
  subject: FindingSubject;
  message: string;
  /** What to do about it, one sentence. */
  hint: string;
  /** The file the finding is about (a keepalived.conf) and its line, when there is one. */
  file?: string;
  line?: number;
}

/** The IPVS sysctls that change draining (LVS.md §4.1, §4.3, §4.6). */
export const VS_SYSCTLS = ['expire_quiescent_template', 'expire_nodest_conn', 'conn_reuse_mode'] as const;
export type VsSysctlName = (typeof VS_SYSCTLS)[number];
export type VsSysctls = Partial<Record<VsSysctlName, number>>;

export interface DoctorServer {
  name: string;
  address: string;
  /** Where the server sits in each configured service. */
  destinations: { service: ServiceKey; endpoint: Endpoint }[];
  /** app.healthFile, as written. */
  healthFile?: string;
  /** app.healthUrl: the URL path keepalived's check fetches to read app.healthFile. */
  healthUrl?: string;
}

export interface DoctorDirector {
  name: string;
  /** `ipvsadm -L -n` (with thresholds overlaid when read); absent when unreadable. */
  table?: IpvsTable;
  /** keepalived.conf, when `directors[].keepalived` names one and it could be read. */
  keepalived?: { path?: string; parsed: ParsedKeepalived };
  sysctls?: VsSysctls;
  ipvsadm?: IpvsadmVersion;
  /** `ipvsadm -L --timeout`. */
  timeouts?: IpvsTimeouts;
  /** Pieces that could not be read or parsed on this director (shown as warnings). */
  unreadable: { what: string; reason: string }[];
}

export type DoctorDrain = Pick<DrainSettings, 'method' | 'connections' | 'timeoutMs' | 'onTimeout'>;

/** Each host's network as its own tools report it (`ip -o addr`, /proc/sys, `ip route`): src/hosts. */
export interface DoctorNetwork {
  servers: { name: string; facts: HostNetFacts }[];
  directors: { name: string; facts: HostNetFacts }[];
}

export interface DoctorInput {
  services: ServiceKey[];
  servers: DoctorServer[];
  directors: DoctorDirector[];
  /** The pipeline's drain settings; absent = pipeline checks are skipped. */
  drain?: DoctorDrain;
  /** Health file present on each server (by server name); absent/missing key = not checked. */
  healthFiles?: Readonly<Record<string, boolean>>;
  /** The hosts' network facts; absent = the network checks are skipped. */
  network?: DoctorNetwork;
}

export type DoctorCheck = (input: DoctorInput) => Finding[];
