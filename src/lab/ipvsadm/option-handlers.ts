// The `switch (c)` of parse_options' loop: what each option after the command does to the
// command entry, and the message it fails with (exit 2).
import type { Protocol } from '../../ipvs/model.ts';
import type { CommandEntry } from './entry.ts';
import { atoi, inetAton, inetPton6, parseFwmark, parseServiceAddress, stringToNumber } from './inet.ts';
import { fail } from './io.ts';
import type { Halt, Io } from './io.ts';
import { TUNNEL_TYPES } from './option-table.ts';
import type { OptName, Tag, TunnelType } from './option-table.ts';

const MAX_TIMEOUT = 86400 * 31;
const INT_MAX = 0x7fffffff;

interface Ctx {
  io: Io;
  /** `poptBadOption`: what `invalid option` names. */
  lastWord: string;
}

type Handler = (entry: CommandEntry, arg: string | undefined, ctx: Ctx) => Halt | undefined;

const PROTOCOL_OF: Partial<Record<Tag, Protocol>> = { t: 'tcp', u: 'udp', 'sctp-service': 'sctp' };

function service(entry: CommandEntry, arg: string | undefined, ctx: Ctx, protocol: Protocol): Halt | undefined {
  entry.svc.protocol = protocol;
  const parsed = parseServiceAddress(arg ?? '', protocol);
  if (!parsed) return fail(ctx.io, 2, 'illegal virtual server address[:port] specified');
  entry.svc.family = parsed.family;
  entry.svc.address = parsed.address;
  if (parsed.family === 'inet6') entry.svc.netmask = '128';
  if (parsed.port !== undefined) entry.svc.port = parsed.port;
  return undefined;
}

// A number option: `string_to_number(arg, min, max)` or fail with `message`.
const numberInto =
  (min: number, max: number, message: string, set: (e: CommandEntry, n: number) => void): Handler =>
  (entry, arg, ctx) => {
    const n = stringToNumber(arg ?? '', min, max);
    if (n === undefined) return fail(ctx.io, 2, message);
    set(entry, n);
    return undefined;
  };

const flag =
  (set: (e: CommandEntry) => void): Handler =>
  (entry) => {
    set(entry);
    return undefined;
  };

const HANDLERS: Partial<Record<Tag, { option?: OptName; run: Handler }>> = {
  f: {
    option: 'service-address',
    run: (entry, arg, ctx) => {
      entry.svc.family = 'inet';
      entry.svc.protocol = 'tcp';
      const mark = parseFwmark(arg ?? '');
      if (mark === undefined) return fail(ctx.io, 2, `invalid fwmark value \`${arg ?? ''}' specified`);
      entry.svc.fwmark = mark;
      return undefined;
    },
  },
  s: {
    option: 'scheduler',
    run: (e, arg) => {
      e.svc.scheduler = (arg ?? '').slice(0, 15);
    },
  },
  p: {
    option: 'persistent',
    run: (entry, arg, ctx) => {
      if (arg === undefined) {
        // IPVS_SVC_PERSISTENT_TIMEOUT: a bare -p
        entry.svc.persistent = 360;
        return undefined;
      }
      const n = stringToNumber(arg, 1, MAX_TIMEOUT);
      if (n === undefined) return fail(ctx.io, 2, `invalid timeout value \`${arg}' specified`);
      entry.svc.persistent = n;
      return undefined;
    },
  },
  M: {
    option: 'netmask',
    run: (entry, arg, ctx) => {
      if (entry.svc.family !== 'inet6') {
        const mask = inetAton(arg ?? '');
        if (mask === undefined) return fail(ctx.io, 2, 'illegal virtual server persistent mask specified');
        entry.svc.netmask = mask;
        return undefined;
      }
      const prefix = atoi(arg ?? '');
      if (prefix < 1 || prefix > 128) return fail(ctx.io, 2, 'illegal ipv6 netmask specified');
      entry.svc.netmask = String(prefix);
      return undefined;
    },
  },
  r: {
    option: 'real-server',
    run: (entry, arg, ctx) => {
      const parsed = parseServiceAddress(arg ?? '', entry.svc.protocol);
      if (!parsed) return fail(ctx.io, 2, 'illegal real server address[:port] specified');
      entry.dest.family = parsed.family;
      entry.dest.address = parsed.address;
      entry.dest.port = parsed.port ?? entry.svc.port;
      return undefined;
    },
  },
  i: { option: 'forwarding-method', run: flag((e) => (e.dest.forward = 'Tunnel')) },
  g: { option: 'forwarding-method', run: flag((e) => (e.dest.forward = 'Route')) },
  m: { option: 'forwarding-method', run: flag((e) => (e.dest.forward = 'Masq')) },
  w: { option: 'weight', run: numberInto(0, 65535, 'illegal weight specified', (e, n) => (e.dest.weight = n)) },
  x: { option: 'u-threshold', run: numberInto(0, INT_MAX, 'illegal u_threshold specified', (e, n) => (e.dest.upperThreshold = n)) },
  y: { option: 'l-threshold', run: numberInto(0, INT_MAX, 'illegal l_threshold specified', (e, n) => (e.dest.lowerThreshold = n)) },
  c: { option: 'connection', run: flag(() => undefined) },
  n: { option: 'numeric', run: flag((e) => (e.format.numeric = true)) },
  'mcast-interface': {
    option: 'mcast-interface',
    run: (e, arg) => {
      e.daemon.mcastInterface = (arg ?? '').slice(0, 15);
    },
  },
  syncid: { option: 'syncid', run: numberInto(0, 255, 'illegal syncid specified', (e, n) => (e.daemon.syncId = n)) },
  timeout: { option: 'timeout', run: flag(() => undefined) },
  daemon: { option: 'daemon', run: flag(() => undefined) },
  stats: { option: 'stats', run: flag((e) => (e.format.stats = true)) },
  rate: { option: 'rate', run: flag((e) => (e.format.rate = true)) },
  thresholds: { option: 'thresholds', run: flag((e) => (e.format.thresholds = true)) },
  'persistent-conn': { option: 'persistent-conn', run: flag((e) => (e.format.persistentConn = true)) },
  nosort: { option: 'nosort', run: flag((e) => (e.format.nosort = true)) },
  sort: { run: flag(() => undefined) },
  X: { option: 'exact', run: flag((e) => (e.format.exact = true)) },
  '6': {
    run: (entry, _arg, ctx) => {
      if (!entry.svc.fwmark) return fail(ctx.io, 2, '-6 used before -f\n');
      entry.svc.family = 'inet6';
      entry.svc.netmask = '128';
      return undefined;
    },
  },
  o: { option: 'ops', run: flag((e) => (e.svc.ops = true)) },
  pe: {
    option: 'pe',
    run: (e, arg) => {
      e.svc.pe = (arg ?? '').slice(0, 16);
    },
  },
  b: { option: 'sched-flags', run: flag(() => undefined) },
  'mcast-group': {
    option: 'mcast-group',
    run: (entry, text, ctx) => {
      const arg = text ?? '';
      if (arg.includes(':')) {
        const v6 = inetPton6(arg);
        if (v6 === undefined || !v6.toLowerCase().startsWith('ff')) return fail(ctx.io, 2, `invalid IPv6 mcast-group \`${arg}'`);
        entry.daemon.group = v6;
        return undefined;
      }
      const first = Number(arg.split('.')[0]);
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(arg) || inetAton(arg) !== arg || first < 224 || first > 239) {
        return fail(ctx.io, 2, `invalid IPv4 mcast-group \`${arg}'`);
      }
      entry.daemon.group = arg;
      return undefined;
    },
  },
  'mcast-port': { option: 'mcast-port', run: numberInto(1, 65535, 'illegal mcast-port specified', (e, n) => (e.daemon.port = n)) },
  'mcast-ttl': { option: 'mcast-ttl', run: numberInto(1, 255, 'illegal mcast-ttl specified', (e, n) => (e.daemon.ttl = n)) },
  'sync-maxlen': { option: 'sync-maxlen', run: numberInto(1, 65535 - 20 - 8, 'illegal sync-maxlen specified', (e, n) => (e.daemon.maxLen = n)) },
  'tun-info': { option: 'tun-info', run: flag((e) => (e.format.tunInfo = true)) },
  'tun-type': {
    option: 'tun-type',
    run: (entry, arg, ctx) => {
      const type = TUNNEL_TYPES.find((t) => t === arg);
      if (!type) return fail(ctx.io, 2, 'illegal tunnel type specified');
      entry.dest.tunnelType = type satisfies TunnelType;
      return undefined;
    },
  },
  'tun-port': { option: 'tun-port', run: numberInto(1, 65535, 'illegal tunnel port specified', (e, n) => (e.dest.tunnelPort = n)) },
  'tun-nocsum': { option: 'tun-nocsum', run: flag((e) => (e.dest.tunnelChecksum = 'nocsum')) },
  'tun-csum': { option: 'tun-csum', run: flag((e) => (e.dest.tunnelChecksum = 'csum')) },
  'tun-remcsum': { option: 'tun-remcsum', run: flag((e) => (e.dest.tunnelChecksum = 'remcsum')) },
};

/**
 * Apply one option to the entry (`set_option` refuses a repeated one). `arg` is undefined for
 * options without an argument and for a bare `-p`. Commands, -h and -v here are invalid.
 */
export function applyOption(entry: CommandEntry, tag: Tag, arg: string | undefined, ctx: Ctx): Halt | undefined {
  const protocol = PROTOCOL_OF[tag];
  const handler = protocol
    ? { option: 'service-address' as const, run: (e: CommandEntry, a: string | undefined, c: Ctx) => service(e, a, c, protocol) }
    : HANDLERS[tag];
  if (!handler) return fail(ctx.io, 2, `invalid option \`${ctx.lastWord}'`);
  if (handler.option) {
    if (entry.options.has(handler.option)) return fail(ctx.io, 2, `multiple '${handler.option}' options specified`);
    entry.options.add(handler.option);
  }
  return handler.run(entry, arg, ctx);
}
