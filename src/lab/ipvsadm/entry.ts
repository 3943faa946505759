// `struct ipvs_command_entry` plus the option bits and format flags `parse_options` fills in,
// with the defaults `process_options` sets before parsing (weight 1, DR, mask /32).
import type { Family, Protocol, TunnelChecksum } from '../../ipvs/model.ts';
import type { Command, OptName, TunnelType } from './option-table.ts';

export interface ServiceDraft {
  family: Family | undefined;
  /** undefined = IPPROTO_IP (no -t/-u/--sctp-service/-f yet). */
  protocol: Protocol | undefined;
  address: string | undefined;
  port: number;
  /** 0 = not a fwmark service. */
  fwmark: number;
  /** '' until -s; the default `wlc` is applied for -A/-E only. */
  scheduler: string;
  /** Timeout when IP_VS_SVC_F_PERSISTENT is set. */
  persistent: number | undefined;
  /** Dotted for IPv4, prefix length for IPv6 (`ce.svc.netmask`). */
  netmask: string;
  pe: string;
  ops: boolean;
  /** The `-b` argument, parsed after all options (it depends on the final scheduler). */
  schedFlags: string[];
}

export interface DestDraft {
  family: Family | undefined;
  address: string | undefined;
  port: number;
  forward: 'Masq' | 'Route' | 'Tunnel';
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  tunnelType: TunnelType;
  tunnelPort: number;
  tunnelChecksum: TunnelChecksum;
}

export interface DaemonDraft {
  state: 'master' | 'backup' | undefined;
  mcastInterface: string;
  syncId: number;
  maxLen: number;
  group: string | undefined;
  port: number;
  ttl: number;
}

export interface ListFormat {
  numeric: boolean;
  stats: boolean;
  rate: boolean;
  thresholds: boolean;
  persistentConn: boolean;
  nosort: boolean;
  exact: boolean;
  tunInfo: boolean;
}

export interface CommandEntry {
  cmd: Command;
  options: Set<OptName>;
  format: ListFormat;
  svc: ServiceDraft;
  dest: DestDraft;
  daemon: DaemonDraft;
  /** `--set` values (0 keeps the current one). */
  timeouts: { tcp: number; tcpFin: number; udp: number };
}

export function newCommandEntry(cmd: Command): CommandEntry {
  return {
    cmd,
    options: new Set(),
    format: { numeric: false, stats: false, rate: false, thresholds: false, persistentConn: false, nosort: false, exact: false, tunInfo: false },
    svc: {
      family: undefined,
      protocol: undefined,
      address: undefined,
      port: 0,
      fwmark: 0,
      scheduler: '',
      persistent: undefined,
      netmask: '255.255.255.255',
      pe: '',
      ops: false,
      schedFlags: [],
    },
    dest: {
      family: undefined,
      address: undefined,
      port: 0,
      forward: 'Route',
      weight: 1,
      upperThreshold: 0,
      lowerThreshold: 0,
      tunnelType: 'ipip',
      tunnelPort: 0,
      tunnelChecksum: 'nocsum',
    },
    daemon: { state: undefined, mcastInterface: '', syncId: 0, maxLen: 0, group: undefined, port: 0, ttl: 0 },
    timeouts: { tcp: 0, tcpFin: 0, udp: 0 },
  };
}
