// Key material for the lab's SSH hosts: key pairs, authorized keys, known_hosts lines.
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

export interface KeyPair {
  /** OpenSSH-format private key ("-----BEGIN OPENSSH PRIVATE KEY-----"). Write it with mode 0600. */
  privateKey: string;
  /** "ssh-ed25519 AAAA..." as in an authorized_keys or .pub file. */
  publicKey: string;
}

/** A fresh unencrypted ed25519 key pair, usable by ssh2 and by OpenSSH's `ssh -i`. */
export function generateKeyPair(comment?: string): KeyPair {
  // NOTE: ssh2's keygen strips a leading zero byte of the public key (~1 key in 256, mscdex/ssh2#1390),
  // which its own parser then rejects: draw again (bounded; 8 bad draws in a row is ~1e-19).
  for (let attempt = 1; ; attempt++) {
    const keys = ssh2.utils.generateKeyPairSync('ed25519', comment === undefined ? undefined : { comment });
    const parses = !(ssh2.utils.parseKey(keys.private) instanceof Error) && !(ssh2.utils.parseKey(keys.public) instanceof Error);
    if (parses || attempt >= 8) return { privateKey: keys.private, publicKey: keys.public };
  }
}

/** Parses one public or private key (OpenSSH formats); throws on garbage since keys are ours. */
export function parseKey(text: string | Buffer): ParsedKey {
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error) throw new Error(`cannot parse SSH key: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined) throw new Error('cannot parse SSH key: no key found');
  return key;
}

/** The "type base64" public half of a key (private or public), without comment. */
export function publicKeyLine(key: string | Buffer | ParsedKey): string {
  const parsed = typeof key === 'string' || Buffer.isBuffer(key) ? parseKey(key) : key;
  return `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`;
}

/** Parses an authorized_keys text: one key per line, blank lines and # comments skipped. */
export function parseAuthorizedKeys(text: string): ParsedKey[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => parseKey(line));
}

export interface KnownHostsLineOptions {
  host?: string;
  port: number;
  /** The host's key: its private key, public key text, or parsed key. */
  hostKey: string | Buffer | ParsedKey;
}

// NOTE: OpenSSH writes "[host]:port" for every port but 22, and matches known_hosts that way.
/** One known_hosts line, e.g. `[127.0.0.1]:40022 ssh-ed25519 AAAA...`. */
export function knownHostsLine({ host = '127.0.0.1', port, hostKey }: KnownHostsLineOptions): string {
  const name = port === 22 ? host : `[${host}]:${port}`;
  return `${name} ${publicKeyLine(hostKey)}`;
}
