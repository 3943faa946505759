// `ip route show default` on a NAT real server: its default route must go through the director
// (the director's internal address, or a VRRP address the directors hold), or the answers bypass
// the director and never get their source rewritten back to the VIP.
import type { RemoteCommand } from '../transport/types.ts';
import type { DefaultRoute } from './types.ts';

export function defaultRouteCommand(): RemoteCommand & { readonly argv: readonly string[] } {
  return { argv: ['ip', 'route', 'show', 'default'], mutates: false, timeoutMs: 15_000, label: 'ip route show default' };
}

/** `default via 10.0.0.1 dev eth0 proto static` → { via, dev }; null when there is no default route. */
export function parseDefaultRoute(text: string): DefaultRoute | null {
  const line = text.split('\n').find((l) => /^\s*default\b/.test(l));
  if (!line) return null;
  const words = line.trim().split(/\s+/);
  const after = (word: string) => {
    const i = words.indexOf(word);
    return i >= 0 ? words[i + 1] : undefined;
  };
  const via = after('via');
  const dev = after('dev');
  return { ...(via ? { via } : {}), ...(dev ? { dev } : {}) };
}
