// OpenSSH known_hosts, parsed and queried without I/O: plain and hashed hosts, [host]:port, markers.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type HostMatcher =
  | { readonly kind: 'hashed'; readonly salt: Buffer; readonly hash: Buffer }
  | { readonly kind: 'patterns'; readonly patterns: readonly { glob: string; negated: boolean }[] };

export interface KnownHostEntry {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly marker: 'cert-authority' | 'revoked' | null;
  readonly hosts: HostMatcher;
  readonly keyType: string;
  /** The public key blob (SSH wire format), as a server presents it. */
  readonly key: Buffer;
}

export interface KnownHosts {
  readonly entries: readonly KnownHostEntry[];
  /** Lines that could not be read; like OpenSSH, they are skipped. */
  readonly problems: readonly { line: number; reason: string }[];
}

export type HostKeyCheck =
  | { readonly status: 'known'; readonly line: number }
  | { readonly status: 'unknown' }
  | { readonly status: 'changed'; readonly expected: readonly KnownHostEntry[] }
  | { readonly status: 'revoked'; readonly line: number };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise; lower-case. */
export function knownHostsName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

/** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -l` prints it. */
export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a key blob (its first SSH string), or undefined if malformed. */
export function keyTypeOf(key: Buffer): string | undefined {
  if (key.length < 4) return undefined;
  const length = key.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > key.length) return undefined;
  return key.subarray(4, 4 + length).toString('latin1');
}

export function parseKnownHosts(text: string): KnownHosts {
  const entries: KnownHostEntry[] = [];
  const problems: { line: number; reason: string }[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const parsed = parseLine(trimmed, index + 1);
    if (typeof parsed === 'string') problems.push({ line: index + 1, reason: parsed });
    else entries.push(parsed);
  });
  return { entries, problems };
}

// One line: [@marker] hosts keytype base64 [comment]. Returns a reason string when malformed.
function parseLine(text: string, line: number): KnownHostEntry | string {
  const fields = text.split(/\s+/);
  let marker: KnownHostEntry['marker'] = null;
  if (fields[0]?.startsWith('@')) {
    const name = fields.shift();
    if (name === '@cert-authority') marker = 'cert-authority';
    else if (name === '@revoked') marker = 'revoked';
    else return `unknown marker ${name}`;
  }
  const [hostField, keyType, base64] = fields;
  if (!hostField || !keyType || !base64) return 'expected: hosts keytype key';
  const key = Buffer.from(base64, 'base64');
  if (key.length === 0 || keyTypeOf(key) !== keyType) return `key does not decode as ${keyType}`;
  const hosts = parseHosts(hostField);
  if (typeof hosts === 'string') return hosts;
  return { line, marker, hosts, keyType, key };
}

function parseHosts(field: string): HostMatcher | string {
  if (field.startsWith('|1|')) {
    const [salt, hash] = field.slice(3).split('|');
    const saltBytes = Buffer.from(salt ?? '', 'base64');
    const hashBytes = Buffer.from(hash ?? '', 'base64');
    if (saltBytes.length !== 20 || hashBytes.length !== 20) return 'malformed hashed host';
    return { kind: 'hashed', salt: saltBytes, hash: hashBytes };
  }
  if (field.startsWith('|')) return 'unsupported hashed host format';
  const patterns = field
    .split(',')
    .filter((part) => part !== '')
    .map((part) => ({ glob: (part.startsWith('!') ? part.slice(1) : part).toLowerCase(), negated: part.startsWith('!') }));
  return patterns.length > 0 ? { kind: 'patterns', patterns } : 'empty host list';
}

/** Does this entry name the host? (`name` from knownHostsName.) Negations win, as in OpenSSH. */
export function matchesHost(hosts: HostMatcher, name: string): boolean {
  if (hosts.kind === 'hashed') {
    const digest = createHmac('sha1', hosts.salt).update(name).digest();
    return timingSafeEqual(digest, hosts.hash);
  }
  let matched = false;
  for (const { glob, negated } of hosts.patterns) {
    if (!matchesGlob(glob, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

// OpenSSH's match_pattern: `*` any run, `?` one character, everything else literal.
function matchesGlob(glob: string, name: string): boolean {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's').test(name);
}

/**
 * Verdict on a presented host key. @cert-authority lines are ignored (no certificate support);
 * a key listed under @revoked for the host is refused even if also listed as known.
 */
export function checkHostKey(knownHosts: KnownHosts, host: string, port: number, key: Buffer): HostKeyCheck {
  const name = knownHostsName(host, port);
  const forHost = knownHosts.entries.filter((entry) => matchesHost(entry.hosts, name));
  const revoked = forHost.find((entry) => entry.marker === 'revoked' && entry.key.equals(key));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const plain = forHost.filter((entry) => entry.marker === null);
  const same = plain.find((entry) => entry.key.equals(key));
  if (same) return { status: 'known', line: same.line };
  return plain.length === 0 ? { status: 'unknown' } : { status: 'changed', expected: plain };
}

/** The key types known_hosts lists for a host (plain entries), to offer only those in the handshake. */
export function knownKeyTypes(knownHosts: KnownHosts, host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types = knownHosts.entries.filter((entry) => entry.marker === null && matchesHost(entry.hosts, name)).map((entry) => entry.keyType);
  return [...new Set(types)];
}
