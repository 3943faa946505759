// Strict host-key checking for ssh2: known_hosts or nothing, with errors a person can act on.
import { ReleaseError } from '../core/errors.ts';
import { checkHostKey, fingerprintSha256, keyTypeOf, knownHostsName, knownKeyTypes, type KnownHosts } from './known-hosts.ts';

export interface HostKeyEndpoint {
  /** Display name (the target's name, or "jump host"). */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export interface HostVerifier {
  /** For ssh2's `hostVerifier`: true only for a key known_hosts lists for this host. */
  readonly verify: (key: Buffer) => boolean;
  /** Why the last key was refused, if it was. */
  rejection(): ReleaseError | undefined;
}

export function createHostVerifier(knownHosts: KnownHosts, knownHostsFile: string, endpoint: HostKeyEndpoint): HostVerifier {
  let refused: ReleaseError | undefined;
  return {
    verify: (key) => {
      refused = hostKeyRejection(knownHosts, knownHostsFile, endpoint, key);
      return refused === undefined;
    },
    rejection: () => refused,
  };
}

/** The ReleaseError for a presented key, or undefined when known_hosts vouches for it. */
export function hostKeyRejection(knownHosts: KnownHosts, knownHostsFile: string, endpoint: HostKeyEndpoint, key: Buffer): ReleaseError | undefined {
  const check = checkHostKey(knownHosts, endpoint.host, endpoint.port, key);
  if (check.status === 'known') return undefined;
  const where = `${endpoint.name} (${knownHostsName(endpoint.host, endpoint.port)})`;
  const presented = `${keyTypeOf(key) ?? 'unknown-type'} ${fingerprintSha256(key)}`;
  const scan = `ssh-keyscan -p ${endpoint.port} ${endpoint.host} >> ${knownHostsFile}`;
  const details = { host: endpoint.host, port: endpoint.port, name: endpoint.name, fingerprint: fingerprintSha256(key), knownHosts: knownHostsFile };
  if (check.status === 'unknown') {
    return new ReleaseError('HOST_KEY_UNKNOWN', `Host key of ${where} is not in ${knownHostsFile}; the host presented ${presented}.`, {
      hint: `Verify that fingerprint out of band (on the host: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then run: ${scan}`,
      details,
    });
  }
  if (check.status === 'revoked') {
    return new ReleaseError('HOST_KEY_CHANGED', `Host key of ${where} (${presented}) is marked @revoked in ${knownHostsFile}:${check.line}.`, {
      hint: 'A revoked key must not be trusted: find out why it was revoked before going on.',
      details: { ...details, line: check.line },
    });
  }
  const expected = check.expected.map((entry) => `${entry.keyType} ${fingerprintSha256(entry.key)} (line ${entry.line})`).join(', ');
  return new ReleaseError(
    'HOST_KEY_CHANGED',
    `Host key of ${where} CHANGED: it presented ${presented}, but ${knownHostsFile} lists ${expected}. Someone may be intercepting the connection, or the host was reinstalled.`,
    {
      hint: `Verify the new fingerprint out of band; only if it is right, remove the old entry (ssh-keygen -R '${knownHostsName(endpoint.host, endpoint.port)}' -f ${knownHostsFile}) and run: ${scan}`,
      details: { ...details, lines: check.expected.map((entry) => entry.line) },
    },
  );
}

const ALGORITHMS_BY_KEY_TYPE: Record<string, readonly string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * Host-key algorithms to offer: only those known_hosts has keys for (as OpenSSH prefers them),
 * so a host with several keys is checked against the one we know. Undefined: offer the defaults.
 */
export function hostKeyAlgorithmsFor(knownHosts: KnownHosts, host: string, port: number): string[] | undefined {
  const algorithms = knownKeyTypes(knownHosts, host, port).flatMap((type) => ALGORITHMS_BY_KEY_TYPE[type] ?? []);
  return algorithms.length > 0 ? algorithms : undefined;
}
