// After a restore, one request through the VIP path that only this server can answer: on the
// server itself, `curl http://VIP:PORT/`. With the VIP on lo the kernel delivers a connection to
// a local address locally (the `local` routing table comes first), so the answer is this server's
// app, reached at the VIP as the director's forwarded packets reach it: the VIP is accepted and the
// app listens on VIP:PORT (an app bound to the server's own address only refuses it). Without
// the VIP on lo the same request would leave the host and be answered by any server of the pool,
// which proves nothing: so the VIP is read on lo first (the same read as the real-server checks),
// and a request is only made, and only counts, while it is there.
import type { HostSession, RemoteCommand } from '../transport/types.ts';
import { readAddresses } from './read.ts';
import { vipHeld, vipProblem } from './real-server.ts';
import type { HostCheckResult, ServedVip } from './types.ts';

export interface VipPathOptions {
  /** URL path requested (default `/`). */
  path?: string;
  /** Host header (app.smoke.host). */
  hostHeader?: string;
  timeoutMs?: number;
}

const url = (vip: ServedVip, path: string) => `http://${vip.family === 'inet6' ? `[${vip.address}]` : vip.address}:${vip.port}${path}`;

/** `curl -sS -o /dev/null -w %{http_code} --connect-timeout 3 --max-time 5 [-H Host:…] URL`. */
export function vipPathCommand(vip: ServedVip, options: VipPathOptions = {}): RemoteCommand & { readonly argv: readonly string[] } {
  const path = options.path ?? '/';
  if (!path.startsWith('/') || /[\s\0]/.test(path)) throw new TypeError(`not a URL path: ${JSON.stringify(path)}`);
  const seconds = Math.max(1, Math.round((options.timeoutMs ?? 5_000) / 1000));
  const header = options.hostHeader && !/[\r\n\0]/.test(options.hostHeader) ? ['-H', `Host: ${options.hostHeader}`] : [];
  return {
    argv: [
      'curl',
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--connect-timeout',
      String(Math.min(3, seconds)),
      '--max-time',
      String(seconds),
      ...header,
      url(vip, path),
    ],
    mutates: false,
    timeoutMs: (seconds + 5) * 1000,
    label: 'VIP path',
  };
}

/** Reads the VIP on lo, then requests each TCP VIP from the server; any HTTP answer below 500 counts. */
export async function checkVipPath(
  session: HostSession,
  server: string,
  vips: readonly ServedVip[],
  options: VipPathOptions & { signal?: AbortSignal } = {},
): Promise<HostCheckResult> {
  const result: HostCheckResult = { host: server, role: 'server', checked: [], problems: [], skipped: [] };
  const tcp = vips.filter((v) => v.protocol === 'tcp');
  if (tcp.length === 0) return result;
  const addresses = await readAddresses(session, options.signal);
  if (!addresses.ok) {
    result.skipped.push(`the VIP path (ip -o addr show: ${addresses.reason})`);
    return result;
  }
  for (const vip of tcp) {
    if (!vipHeld(addresses.value, vip)) {
      result.problems.push(vipProblem(server, vip));
      continue;
    }
    const command = vipPathCommand(vip, options);
    const answer = await session.exec(command, options.signal ? { signal: options.signal } : {});
    const status = Number(answer.stdout.trim().slice(-3));
    const target = command.argv.at(-1) as string;
    result.checked.push(`${target} from ${server}`);
    if (answer.ok && status >= 100 && status < 500) continue;
    const why = answer.ok
      ? `HTTP ${answer.stdout.trim() || 'no status'}`
      : answer.timedOut
        ? 'it timed out'
        : `curl exit ${answer.exitCode ?? answer.signal}: ${answer.stderr.trim().split('\n')[0] || answer.error || 'no output'}`;
    result.problems.push({
      id: 'vip-path',
      level: 'error',
      host: server,
      role: 'server',
      message: `${server} does not serve the VIP: ${target} from the server itself (the VIP is on lo, so only its own app can answer) failed: ${why}`,
      fix: `make the app on ${server} listen on ${vip.address}:${vip.port} (or on every address), not only on the server's own address`,
    });
  }
  return result;
}
