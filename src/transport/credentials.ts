// What every connection of a run needs, read once: the known_hosts file and the way to log in.
import { readFile as fsReadFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { ReleaseError } from '../core/errors.ts';
import { parseKnownHosts, type KnownHosts } from './known-hosts.ts';

/** A private key parsed (and decrypted) once per run, or the agent's socket. */
export type SshAuth = { readonly kind: 'key'; readonly key: ParsedKey } | { readonly kind: 'agent'; readonly socket: string };

export interface CredentialOptions {
  readonly knownHostsFile: string;
  readonly identityFile?: string;
  /** NAME of the environment variable that holds the identity file's passphrase. */
  readonly passphraseEnv?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile?: (path: string) => Promise<Buffer>;
}

export interface Credentials {
  readonly auth: SshAuth;
  readonly knownHosts: KnownHosts;
  readonly knownHostsFile: string;
}

export async function loadCredentials(options: CredentialOptions): Promise<Credentials> {
  const readFile = options.readFile ?? ((path: string) => fsReadFile(path));
  const [knownHosts, auth] = await Promise.all([loadKnownHosts(options.knownHostsFile, readFile), loadAuth(options, readFile)]);
  return { auth, knownHosts, knownHostsFile: options.knownHostsFile };
}

// A missing file is an empty one: every host is then unknown, and each error shows its fingerprint.
async function loadKnownHosts(path: string, readFile: (path: string) => Promise<Buffer>): Promise<KnownHosts> {
  try {
    return parseKnownHosts((await readFile(path)).toString('utf8'));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { entries: [], problems: [] };
    throw new ReleaseError('CONFIG_INVALID', `Cannot read known_hosts file ${path}: ${errorCode(error) ?? 'read failed'}.`, {
      hint: 'Point ssh.knownHosts at a readable file.',
      details: { file: path },
    });
  }
}

async function loadAuth(options: CredentialOptions, readFile: (path: string) => Promise<Buffer>): Promise<SshAuth> {
  const file = options.identityFile;
  if (file === undefined) {
    const socket = options.env.SSH_AUTH_SOCK;
    if (!socket) {
      throw new ReleaseError('CONFIG_INVALID', 'No ssh.identityFile is configured and SSH_AUTH_SOCK is not set.', {
        hint: 'Set ssh.identityFile in the cluster file, or start an ssh-agent holding the key.',
      });
    }
    return { kind: 'agent', socket };
  }
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    throw new ReleaseError('CONFIG_INVALID', `Cannot read ssh.identityFile ${file}: ${errorCode(error) ?? 'read failed'}.`, {
      hint: 'Point ssh.identityFile at the private key, or remove it to use the ssh-agent.',
      details: { file },
    });
  }
  const passphrase = passphraseFor(options, file);
  const parsed = ssh2.utils.parseKey(data, passphrase);
  // NOTE: ssh2's parse messages name the problem ("no passphrase given", "bad passphrase?") and never hold key bytes.
  const key = parsed instanceof Error ? parsed : Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key instanceof Error || !key.isPrivateKey()) {
    const reason = key instanceof Error ? key.message : 'not a private key';
    throw new ReleaseError('CONFIG_INVALID', `Cannot use ssh.identityFile ${file}: ${reason}.`, {
      hint: options.passphraseEnv
        ? `Check the passphrase in $${options.passphraseEnv} and that the file is an OpenSSH/PEM private key.`
        : 'If the key is encrypted, set ssh.passphraseEnv in the cluster file to the name of an environment variable holding its passphrase.',
      details: { file },
    });
  }
  return { kind: 'key', key };
}

function passphraseFor(options: CredentialOptions, file: string): string | undefined {
  if (options.passphraseEnv === undefined) return undefined;
  const value = options.env[options.passphraseEnv];
  if (value === undefined) {
    throw new ReleaseError('CONFIG_INVALID', `The passphrase variable $${options.passphraseEnv} for ${file} is not set.`, {
      hint: `Export ${options.passphraseEnv} in the environment that runs the release.`,
      details: { file, variable: options.passphraseEnv },
    });
  }
  return value;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
