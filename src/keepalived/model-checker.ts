// Checker blocks (HTTP_GET, TCP_CHECK, ...) and the small value readers the model shares.
import type { CheckTiming, Checker, CheckerType, CheckUrl, ConfNode } from './types.ts';

/** A number as keepalived reads it (timers may be decimal); undefined when absent or not a number. */
export function num(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** A flag keyword with an optional `on|off|true|false|yes|no` argument. */
export function truthy(node: ConfNode): boolean {
  const value = node.args[0];
  return value === undefined || !['off', 'false', 'no'].includes(value);
}

const lastArg = (nodes: readonly ConfNode[] | undefined, keyword: string) => (nodes ?? []).filter((n) => n.keyword === keyword).at(-1)?.args;

/** delay_loop / connect_timeout / retry / delay_before_retry set at this level. */
export function timing(nodes: readonly ConfNode[] | undefined): CheckTiming {
  const out: CheckTiming = {};
  const set = (key: keyof CheckTiming, keyword: string) => {
    const value = num(lastArg(nodes, keyword)?.[0]);
    if (value !== undefined) out[key] = value;
  };
  set('delayLoop', 'delay_loop');
  set('connectTimeout', 'connect_timeout');
  set('retry', 'retry');
  set('delayBeforeRetry', 'delay_before_retry');
  return out;
}

function url(node: ConfNode): CheckUrl {
  const c = node.children;
  const status = lastArg(c, 'status_code');
  return {
    path: lastArg(c, 'path')?.[0],
    statusCode: status ? status.join(' ') : undefined,
    digest: lastArg(c, 'digest')?.[0],
    virtualhost: lastArg(c, 'virtualhost')?.[0],
    line: node.line,
  };
}

export function buildChecker(node: ConfNode): Checker {
  const c = node.children ?? [];
  const base = timing(c);
  const nbGetRetry = num(lastArg(c, 'nb_get_retry')?.[0]);
  // `retry` and `nb_get_retry` set the same field: whichever comes last wins.
  const retryNode = c.filter((n) => n.keyword === 'retry' || n.keyword === 'nb_get_retry').at(-1);
  return {
    type: node.keyword as CheckerType,
    ...base,
    ...(retryNode ? { retry: retryNode.keyword === 'retry' ? base.retry : nbGetRetry } : {}),
    urls: c.filter((n) => n.keyword === 'url').map(url),
    nbGetRetry: c.some((n) => n.keyword === 'nb_get_retry'),
    connectPort: num(lastArg(c, 'connect_port')?.[0]),
    connectIp: lastArg(c, 'connect_ip')?.[0],
    virtualhost: lastArg(c, 'virtualhost')?.[0],
    fastRecovery: c.some((n) => n.keyword === 'fast_recovery' && n.args[0] !== 'off' && n.args[0] !== 'false' && n.args[0] !== 'no'),
    miscPath: lastArg(c, 'misc_path')?.join(' '),
    line: node.line,
  };
}
