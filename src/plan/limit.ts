// `--limit SERVER…` (as Ansible's): release, plan or roll back only some servers, named as the
// cluster file names them or by a glob (`web1*`, `web?`). Pure: patterns in, server names out.
import { closestMatch } from '../config/did-you-mean.ts';
import { ReleaseError } from '../core/errors.ts';

/** A configured server as --limit can name it: its name, or its SSH host. */
export interface LimitCandidate {
  name: string;
  host: string;
}

/** `web1,web2` and repeated options → ['web1', 'web2']; blanks dropped. */
export function splitLimit(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** A glob (`*` any run, `?` one character, `[…]` a class) as an anchored regular expression. */
export function globPattern(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end > i + 1) {
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = end;
      } else source += '\\[';
    } else source += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

const isGlob = (pattern: string) => /[*?[]/.test(pattern);

/**
 * The names --limit selects, in configuration order. A pattern that matches no server is a
 * USAGE error (exit 2, before any network) with the closest name as a suggestion.
 */
export function resolveLimit(values: readonly string[], servers: readonly LimitCandidate[]): string[] {
  const patterns = splitLimit(values);
  if (patterns.length === 0) {
    throw new ReleaseError('USAGE', '--limit names no server.', { hint: 'Name servers as the cluster file does, e.g. --limit web1,web2 or --limit "web1*".' });
  }
  const chosen = new Set<string>();
  const unknown: string[] = [];
  for (const pattern of patterns) {
    const re = isGlob(pattern) ? globPattern(pattern) : undefined;
    const hits = servers.filter((s) => (re ? re.test(s.name) || re.test(s.host) : s.name === pattern || s.host === pattern));
    if (hits.length === 0) unknown.push(pattern);
    for (const s of hits) chosen.add(s.name);
  }
  if (unknown.length > 0) {
    const names = servers.map((s) => s.name);
    const first = unknown[0] as string;
    const match = closestMatch(first.replace(/[*?[\]]/g, ''), names);
    const list = names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')} … (${names.length} in all)`;
    throw new ReleaseError('USAGE', `--limit ${unknown.map((u) => `"${u}"`).join(', ')} matches no real server of the cluster file.`, {
      hint: `${match ? `did you mean ${match}? ` : ''}The real servers (realServers[].name): ${list}.`,
      details: { unknown, servers: names },
    });
  }
  return servers.filter((s) => chosen.has(s.name)).map((s) => s.name);
}
