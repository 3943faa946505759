// ipvsadm 1.31's option tables as data: the popt table of `parse_options`, the option and
// command names its messages use, and `commands_v_options` (which options each command
// takes: '+' compulsory, 'x' illegal, '1' exclusive, ' ' optional).
import type { PoptOption } from './popt.ts';

export const TAGS = [
  'A', 'E', 'D', 'C', 'L', 'l', 'Z', 'a', 'e', 'd', 'set', 'h', 'v', 'R', 'S', 'start-daemon', 'stop-daemon',
  't', 'u', 'sctp-service', 'f', 's', 'p', 'M', 'r', 'm', 'i', 'g', 'w', 'x', 'y', 'n', 'c',
  'mcast-interface', 'syncid', 'timeout', 'daemon', 'stats', 'rate', 'thresholds', 'persistent-conn',
  'nosort', 'sort', 'X', '6', 'o', 'pe', 'b', 'mcast-group', 'mcast-port', 'mcast-ttl', 'sync-maxlen',
  'tun-info', 'tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum',
] as const;
export type Tag = (typeof TAGS)[number];

const none = (long: string, short: string | undefined, tag: Tag): PoptOption<Tag> => ({ long, short, arg: 'none', tag });
const str = (long: string, short: string | undefined, tag: Tag): PoptOption<Tag> => ({ long, short, arg: 'required', tag });

/** `options_table` of `parse_options`, in its order. */
export const POPT_TABLE: readonly PoptOption<Tag>[] = [
  none('add-service', 'A', 'A'),
  none('edit-service', 'E', 'E'),
  none('delete-service', 'D', 'D'),
  none('clear', 'C', 'C'),
  none('list', 'L', 'L'),
  none('list', 'l', 'l'),
  none('zero', 'Z', 'Z'),
  none('add-server', 'a', 'a'),
  none('edit-server', 'e', 'e'),
  none('delete-server', 'd', 'd'),
  none('set', undefined, 'set'),
  none('help', 'h', 'h'),
  none('version', 'v', 'v'),
  none('restore', 'R', 'R'),
  none('save', 'S', 'S'),
  str('start-daemon', undefined, 'start-daemon'),
  str('stop-daemon', undefined, 'stop-daemon'),
  str('tcp-service', 't', 't'),
  str('udp-service', 'u', 'u'),
  str('sctp-service', undefined, 'sctp-service'),
  str('fwmark-service', 'f', 'f'),
  str('scheduler', 's', 's'),
  { long: 'persistent', short: 'p', arg: 'optional', tag: 'p' },
  str('netmask', 'M', 'M'),
  str('real-server', 'r', 'r'),
  none('masquerading', 'm', 'm'),
  none('ipip', 'i', 'i'),
  none('gatewaying', 'g', 'g'),
  str('weight', 'w', 'w'),
  str('u-threshold', 'x', 'x'),
  str('l-threshold', 'y', 'y'),
  none('numeric', 'n', 'n'),
  none('connection', 'c', 'c'),
  str('mcast-interface', undefined, 'mcast-interface'),
  str('syncid', undefined, 'syncid'),
  none('timeout', undefined, 'timeout'),
  none('daemon', undefined, 'daemon'),
  none('stats', undefined, 'stats'),
  none('rate', undefined, 'rate'),
  none('thresholds', undefined, 'thresholds'),
  none('persistent-conn', undefined, 'persistent-conn'),
  none('nosort', undefined, 'nosort'),
  none('sort', undefined, 'sort'),
  none('exact', 'X', 'X'),
  none('ipv6', '6', '6'),
  none('ops', 'o', 'o'),
  str('pe', undefined, 'pe'),
  str('sched-flags', 'b', 'b'),
  str('mcast-group', undefined, 'mcast-group'),
  str('mcast-port', undefined, 'mcast-port'),
  str('mcast-ttl', undefined, 'mcast-ttl'),
  str('sync-maxlen', undefined, 'sync-maxlen'),
  none('tun-info', undefined, 'tun-info'),
  str('tun-type', undefined, 'tun-type'),
  str('tun-port', undefined, 'tun-port'),
  none('tun-nocsum', undefined, 'tun-nocsum'),
  none('tun-csum', undefined, 'tun-csum'),
  none('tun-remcsum', undefined, 'tun-remcsum'),
];

/** `optnames[]`, in `OPTC_*` order (the order `generic_opt_check` walks). */
export const OPTIONS = [
  'numeric', 'connection', 'service-address', 'scheduler', 'persistent', 'netmask', 'real-server',
  'forwarding-method', 'weight', 'u-threshold', 'l-threshold', 'mcast-interface', 'timeout', 'daemon',
  'stats', 'rate', 'thresholds', 'persistent-conn', 'nosort', 'syncid', 'exact', 'ops', 'pe',
  'sched-flags', 'mcast-group', 'mcast-port', 'mcast-ttl', 'sync-maxlen', 'tun-info', 'tun-type',
  'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum',
] as const;
export type OptName = (typeof OPTIONS)[number];

/** `cmdnames[]`: the command names of the messages. */
export const COMMANDS = [
  'add-service', 'edit-service', 'delete-service', 'flush', 'list', 'add-server', 'delete-server',
  'edit-server', 'set', 'start-daemon', 'stop-daemon', 'restore', 'save', 'zero',
] as const;
export type Command = (typeof COMMANDS)[number];

/** `commands_v_options`: one character per option of OPTIONS, per command. */
export const COMMAND_OPTIONS: Record<Command, string> = {
  'add-service':    'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'edit-service':   'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'delete-service': 'xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  flush:            'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  list:             ' 11xxxxxxxxx11       xxxxxxx xxxxx',
  'add-server':     'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  'delete-server':  'xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'edit-server':    'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  set:              'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'start-daemon':   'xxxxxxxxxxx xxxxxxx xxxx    xxxxxx',
  'stop-daemon':    'xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx',
  restore:          'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  save:             ' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  zero:             'xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
};

export const TUNNEL_TYPES = ['ipip', 'gue', 'gre'] as const;
export type TunnelType = (typeof TUNNEL_TYPES)[number];

/** `tunnel_types_v_options` over tun-port, tun-nocsum, tun-csum, tun-remcsum. */
export const TUNNEL_OPTIONS: Record<TunnelType, string> = { ipip: 'xxxx', gue: '+111', gre: 'x111' };
export const TUNNEL_OPTION_NAMES = ['tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'] as const satisfies readonly OptName[];
