// The statement tree → the typed model (types.ts), with keepalived's defaults: NAT, TCP,
// weight 1, quorum 1, hysteresis 0, 360 s for a bare `persistence_timeout`, and a
// virtual_server's `inhibit_on_failure` as the default of its real servers.
import { buildChecker, num, timing, truthy } from './model-checker.ts';
import type {
  ConfNode,
  GlobalDefs,
  KeepalivedConfig,
  LvsMethod,
  LvsSyncDaemon,
  RealServerConf,
  VirtualServerAddress,
  VirtualServerConf,
  VrrpInstance,
} from './types.ts';
import { CHECKERS } from './keywords.ts';

const all = (nodes: readonly ConfNode[] | undefined, keyword: string) => (nodes ?? []).filter((n) => n.keyword === keyword);
/** The last occurrence wins, as keepalived's handlers overwrite. */
const last = (nodes: readonly ConfNode[] | undefined, keyword: string) => all(nodes, keyword).at(-1);
const word = (nodes: readonly ConfNode[] | undefined, keyword: string) => last(nodes, keyword)?.args[0];
const has = (nodes: readonly ConfNode[] | undefined, keyword: string) => last(nodes, keyword) !== undefined;
const entries = (node: ConfNode | undefined) => (node?.children ?? []).map((c) => [c.keyword, ...c.args].join(' '));

const SYNC_OPTIONS = new Set(['id', 'maxlen', 'port', 'ttl', 'group']);

function syncDaemon(nodes: readonly ConfNode[]): LvsSyncDaemon | undefined {
  const modern = last(nodes, 'lvs_sync_daemon');
  if (modern) {
    const [iface = '', second, ...rest] = modern.args;
    const tail = second !== undefined && !SYNC_OPTIONS.has(second) ? rest : [second ?? '', ...rest];
    const idAt = tail.indexOf('id');
    return {
      interface: iface,
      instance: second !== undefined && !SYNC_OPTIONS.has(second) ? second : undefined,
      id: idAt >= 0 ? num(tail[idAt + 1]) : undefined,
      raw: ['lvs_sync_daemon', ...modern.args].join(' '),
    };
  }
  const legacy = last(nodes, 'lvs_sync_daemon_interface');
  if (!legacy) return undefined;
  return { interface: legacy.args[0] ?? '', id: num(word(nodes, 'lvs_sync_daemon_id')), raw: ['lvs_sync_daemon_interface', ...legacy.args].join(' ') };
}

function lvsTimeouts(node: ConfNode | undefined): GlobalDefs['lvsTimeouts'] {
  if (!node) return undefined;
  const value = (name: string) => {
    const at = node.args.indexOf(name);
    return at >= 0 ? num(node.args[at + 1]) : undefined;
  };
  return { tcp: value('tcp'), tcpFin: value('tcpfin'), udp: value('udp') };
}

function globalDefs(nodes: readonly ConfNode[]): GlobalDefs | undefined {
  const blocks = all(nodes, 'global_defs');
  if (blocks.length === 0) return undefined;
  // keepalived merges every global_defs block.
  const merged = blocks.flatMap((b) => b.children ?? []);
  return {
    routerId: word(merged, 'router_id'),
    lvsSyncDaemon: syncDaemon(merged),
    lvsTimeouts: lvsTimeouts(last(merged, 'lvs_timeouts')),
    lvsFlush: has(merged, 'lvs_flush'),
    line: blocks[0]?.line ?? 0,
  };
}

function vrrpInstance(node: ConfNode): VrrpInstance {
  const c = node.children;
  const auth = last(c, 'authentication');
  return {
    name: node.args[0] ?? '',
    state: word(c, 'state'),
    interface: word(c, 'interface'),
    virtualRouterId: num(word(c, 'virtual_router_id')),
    priority: num(word(c, 'priority')),
    advertInt: num(word(c, 'advert_int')),
    nopreempt: has(c, 'nopreempt'),
    virtualIpAddresses: all(c, 'virtual_ipaddress').flatMap(entries),
    authentication: auth ? { type: word(auth.children, 'auth_type'), pass: word(auth.children, 'auth_pass') } : undefined,
    unicastSrcIp: word(c, 'unicast_src_ip'),
    unicastPeers: all(c, 'unicast_peer').flatMap((p) => (p.children ?? []).map((e) => e.keyword)),
    line: node.line,
  };
}

function vsAddress(args: readonly string[]): VirtualServerAddress {
  const [first = '', second = ''] = args;
  if (first === 'fwmark') return { kind: 'fwmark', mark: num(second) ?? 0 };
  if (first === 'group') return { kind: 'group', name: second };
  return { kind: 'addr', address: first, port: num(second) ?? 0 };
}

function method(value: string | undefined): LvsMethod | undefined {
  return value === 'NAT' || value === 'DR' || value === 'TUN' ? value : undefined;
}

const SCHED_FLAGS = ['hashed', 'ops', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'];

function realServer(node: ConfNode, vsInhibit: boolean): RealServerConf {
  const c = node.children;
  const inhibit = last(c, 'inhibit_on_failure');
  return {
    address: node.args[0] ?? '',
    port: num(node.args[1]) ?? 0,
    weight: num(word(c, 'weight')) ?? 1,
    inhibitOnFailure: inhibit ? truthy(inhibit) : vsInhibit,
    method: method(word(c, 'lvs_method')),
    ...timing(c),
    checkers: (c ?? []).filter((n) => Object.hasOwn(CHECKERS, n.keyword)).map(buildChecker),
    line: node.line,
  };
}

function persistence(node: ConfNode | undefined): number | undefined {
  if (!node) return undefined;
  return node.args.length === 0 ? 360 : num(node.args[0]);
}

function virtualServer(node: ConfNode): VirtualServerConf {
  const c = node.children;
  const inhibit = last(c, 'inhibit_on_failure');
  const vsInhibit = inhibit ? truthy(inhibit) : false;
  const sorry = last(c, 'sorry_server');
  const protocol = word(c, 'protocol');
  const methods = (c ?? []).filter((n) => n.keyword === 'lvs_method' || n.keyword === 'lb_kind');
  return {
    address: vsAddress(node.args),
    scheduler: word(c, 'lvs_sched') ?? word(c, 'lb_algo'),
    method: method(methods.at(-1)?.args[0]) ?? 'NAT',
    protocol: protocol === 'UDP' || protocol === 'SCTP' ? protocol : 'TCP',
    persistenceTimeout: persistence(last(c, 'persistence_timeout')),
    persistenceGranularity: word(c, 'persistence_granularity'),
    quorum: num(word(c, 'quorum')) ?? 1,
    hysteresis: num(word(c, 'hysteresis')) ?? 0,
    sorryServer: sorry ? { address: sorry.args[0] ?? '', port: num(sorry.args[1]) ?? 0 } : undefined,
    inhibitOnFailure: vsInhibit,
    alpha: has(c, 'alpha'),
    omega: has(c, 'omega'),
    schedulerFlags: SCHED_FLAGS.filter((f) => has(c, f)),
    ...timing(c),
    realServers: all(c, 'real_server').map((rs) => realServer(rs, vsInhibit)),
    line: node.line,
  };
}

/** The typed model of a statement tree. */
export function buildConfig(nodes: ConfNode[]): KeepalivedConfig {
  return {
    globalDefs: globalDefs(nodes),
    vrrpInstances: all(nodes, 'vrrp_instance').map(vrrpInstance),
    virtualServers: all(nodes, 'virtual_server').map(virtualServer),
    virtualServerGroups: Object.fromEntries(
      all(nodes, 'virtual_server_group').map((g) => [g.args[0] ?? '', (g.children ?? []).map((e) => [e.keyword, ...e.args])]),
    ),
    nodes,
  };
}
