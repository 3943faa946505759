// MASTER versus BACKUP (LVS.md §5.6): both run the checker whatever their VRRP state, so
// everything about virtual and real servers must be identical; only the VRRP role (router_id,
// state, priority), the mirrored unicast addresses and interface names may differ.
import type { ConfNode, KeepalivedConfig, KeepalivedDiagnostic, ParsedKeepalived } from './types.ts';

export interface PairSide {
  /** Director name, used in messages. */
  name: string;
  parsed: ParsedKeepalived;
}

export interface PairDifference {
  /** allowed: a difference §5.6 expects; mismatch: the directors would behave differently. */
  kind: 'allowed' | 'mismatch';
  /** The enclosing blocks, e.g. `virtual_server 10.0.0.100 80 › real_server 10.0.1.11 80 › HTTP_GET`. */
  where: string;
  /** The keyword that differs (a statement's, or the header of a block present on one side only). */
  what: string;
  /** The statement or block header as written on each side; absent where it is missing. */
  a?: string;
  b?: string;
  lineA?: number;
  lineB?: number;
  message: string;
}

export interface PairComparison {
  a: string;
  b: string;
  differences: PairDifference[];
  /** Configuration errors keepalived would report in either file (a broken file misleads the diff). */
  errors: { director: string; diagnostic: KeepalivedDiagnostic }[];
  /** No mismatch and no configuration error. */
  consistent: boolean;
}

const VRRP_ALLOWED = new Set([
  'state',
  'priority',
  'interface',
  'unicast_src_ip',
  'unicast_peer',
  'track_interface',
  'mcast_src_ip',
  'notify',
  'notify_master',
  'notify_backup',
  'notify_fault',
  'notify_stop',
  'smtp_alert',
]);
const GLOBAL_COMPARED = new Set(['lvs_timeouts', 'lvs_flush', 'lvs_flush_on_stop']);
/** The interface may differ; instance and id are compared on the model (syncDaemonDifference). */
const SYNC_DAEMON = new Set(['lvs_sync_daemon', 'lvs_sync_daemon_interface']);

const text = (n: ConfNode) => [n.keyword, ...n.args].join(' ');
const blockKey = (n: ConfNode) => (n.children ? `{} ${text(n)}` : n.keyword);

/** An enclosing block: its keyword (for the policy) and its label (`HTTP_GET #2`). */
interface Step {
  keyword: string;
  label: string;
}

function isAllowed(path: readonly Step[], keyword: string, bothSides: boolean): boolean {
  const [top, inner] = path;
  if (top?.keyword === 'global_defs') {
    if (inner) return !GLOBAL_COMPARED.has(inner.keyword) && !SYNC_DAEMON.has(inner.keyword);
    return SYNC_DAEMON.has(keyword) ? bothSides : !GLOBAL_COMPARED.has(keyword);
  }
  // Inside an allowed block (unicast_peer { … }) everything may differ too.
  if (top?.keyword === 'vrrp_instance') return VRRP_ALLOWED.has(inner?.keyword ?? keyword);
  return false;
}

interface Ctx {
  a: string;
  b: string;
  out: PairDifference[];
}

function groups(nodes: readonly ConfNode[]): Map<string, ConfNode[]> {
  const map = new Map<string, ConfNode[]>();
  for (const n of nodes) map.set(blockKey(n), [...(map.get(blockKey(n)) ?? []), n]);
  return map;
}

const VIP_LISTS = new Set(['virtual_ipaddress', 'virtual_ipaddress_excluded']);

/** A VRRP address entry without its interface words (`dev eth0`, `label eth0:vip`), which may differ between the directors. */
function withoutInterface(n: ConfNode): string {
  const words = [n.keyword, ...n.args];
  const kept = words.filter((w, i) => w !== 'dev' && w !== 'label' && words[i - 1] !== 'dev' && words[i - 1] !== 'label');
  return kept.join(' ');
}

/** Both sides hold the same VIP entry, only on differently named interfaces. */
function sameVipEntry(path: readonly Step[], x: ConfNode | undefined, y: ConfNode | undefined): boolean {
  return x !== undefined && y !== undefined && VIP_LISTS.has(path.at(-1)?.keyword ?? '') && withoutInterface(x) === withoutInterface(y);
}

function report(ctx: Ctx, path: readonly Step[], label: string, x: ConfNode | undefined, y: ConfNode | undefined): void {
  const where = path.map((p) => p.label).join(' › ') || 'top level';
  const what = (x ?? y)?.keyword ?? '';
  const side = (n: ConfNode | undefined, name: string) => (n ? `\`${n.children ? label : text(n)}\` on ${name}` : `absent on ${name}`);
  ctx.out.push({
    kind: isAllowed(path, what, x !== undefined && y !== undefined) || sameVipEntry(path, x, y) ? 'allowed' : 'mismatch',
    where,
    what,
    ...(x ? { a: text(x), lineA: x.line } : {}),
    ...(y ? { b: text(y), lineB: y.line } : {}),
    message: `${where}: ${side(x, ctx.a)}, ${side(y, ctx.b)}`,
  });
}

// Statements compare by their last occurrence (keepalived's handlers overwrite); blocks pair up
// by header and order (two HTTP_GET checkers are #1 and #2).
function diffNodes(ctx: Ctx, path: readonly Step[], xs: readonly ConfNode[], ys: readonly ConfNode[]): void {
  const gx = groups(xs);
  const gy = groups(ys);
  for (const key of new Set([...gx.keys(), ...gy.keys()])) {
    const lx = gx.get(key) ?? [];
    const ly = gy.get(key) ?? [];
    if (!key.startsWith('{} ')) {
      const x = lx.at(-1);
      const y = ly.at(-1);
      if (!x || !y || text(x) !== text(y)) report(ctx, path, key, x, y);
      continue;
    }
    const count = Math.max(lx.length, ly.length);
    for (let i = 0; i < count; i += 1) {
      const x = lx[i];
      const y = ly[i];
      const node = (x ?? y) as ConfNode;
      const label = text(node) + (count > 1 ? ` #${i + 1}` : '');
      if (x && y) diffNodes(ctx, [...path, { keyword: node.keyword, label }], x.children ?? [], y.children ?? []);
      else report(ctx, path, label, x, y);
    }
  }
}

function syncDaemonDifference(ctx: Ctx, a: KeepalivedConfig, b: KeepalivedConfig): void {
  const x = a.globalDefs?.lvsSyncDaemon;
  const y = b.globalDefs?.lvsSyncDaemon;
  if (!x || !y || (x.instance === y.instance && x.id === y.id)) return;
  ctx.out.push({
    kind: 'mismatch',
    where: 'global_defs',
    what: 'lvs_sync_daemon',
    a: x.raw,
    b: y.raw,
    message: `global_defs: lvs_sync_daemon instance/id differ (\`${x.raw}\` on ${ctx.a}, \`${y.raw}\` on ${ctx.b}): the backup would not accept the master's connection sync`,
  });
}

// unicast_src_ip of one side must be among the other side's unicast_peer entries.
function unicastDifference(ctx: Ctx, a: KeepalivedConfig, b: KeepalivedConfig): void {
  for (const x of a.vrrpInstances) {
    const y = b.vrrpInstances.find((i) => i.name === x.name);
    if (!y) continue;
    const unicast = [x, y].some((i) => i.unicastSrcIp !== undefined || i.unicastPeers.length > 0);
    if (!unicast) continue;
    const mirrored =
      x.unicastSrcIp !== undefined && y.unicastSrcIp !== undefined && y.unicastPeers.includes(x.unicastSrcIp) && x.unicastPeers.includes(y.unicastSrcIp);
    if (mirrored) continue;
    const sides = [
      [ctx.a, x],
      [ctx.b, y],
    ] as const;
    const detail = sides.map(([name, i]) => `${name}: src ${i.unicastSrcIp ?? 'unset'}, peers ${i.unicastPeers.join(', ') || 'none'}`).join('; ');
    ctx.out.push({
      kind: 'mismatch',
      where: `vrrp_instance ${x.name}`,
      what: 'unicast_peer',
      message: `vrrp_instance ${x.name}: unicast_src_ip/unicast_peer are not mirrored (${detail})`,
    });
  }
}

/** Compare two directors' keepalived.conf: every difference, classified as allowed or mismatch. */
export function compareKeepalivedPair(a: PairSide, b: PairSide): PairComparison {
  const ctx: Ctx = { a: a.name, b: b.name, out: [] };
  // keepalived merges global_defs blocks; compare them as one.
  const merge = (nodes: readonly ConfNode[]) => {
    const defs = nodes.filter((n) => n.keyword === 'global_defs');
    const rest = nodes.filter((n) => n.keyword !== 'global_defs');
    if (defs.length === 0) return rest;
    return [{ keyword: 'global_defs', args: [], line: defs[0]?.line ?? 0, children: defs.flatMap((d) => d.children ?? []) }, ...rest];
  };
  diffNodes(ctx, [], merge(a.parsed.config.nodes), merge(b.parsed.config.nodes));
  syncDaemonDifference(ctx, a.parsed.config, b.parsed.config);
  unicastDifference(ctx, a.parsed.config, b.parsed.config);
  const errors = [a, b].flatMap((side) =>
    side.parsed.diagnostics.filter((d) => d.severity === 'error').map((diagnostic) => ({ director: side.name, diagnostic })),
  );
  return {
    a: a.name,
    b: b.name,
    differences: ctx.out,
    errors,
    consistent: errors.length === 0 && ctx.out.every((d) => d.kind === 'allowed'),
  };
}
