// What `release doctor` sends, as argvs: read-only, and as root only the documented commands
// (`sudo -n ipvsadm …`, `sudo -n cat <keepalived.conf>`; README, "Privileges on the directors and
// servers"). Pure: the CLI runs them and hands the texts to buildDoctorInput.
import { isReleaseError, ReleaseError } from '../core/errors.ts';
import { listCommand, timeoutCommand, versionCommand, type IpvsCommand } from '../ipvs/commands.ts';
import type { RemoteCommand } from '../transport/types.ts';
import { VS_SYSCTLS, type VsSysctlName } from './types.ts';

const TIMEOUT_MS = 15_000;

/** One read: the raw field of DoctorRawDirector it fills, its name in messages, and the command. */
export interface DoctorRead {
  field: 'list' | 'thresholds' | 'version' | 'timeout' | 'sysctls' | 'keepalived';
  what: string;
  command: RemoteCommand & { readonly argv: readonly string[] };
  /** Exit statuses whose stdout is still an answer (grep: 2 when one of several files is missing). */
  acceptExit?: readonly number[];
  /** A read that fails quietly (no `unreadable` warning), e.g. sysctls of a module not loaded. */
  quiet?: boolean;
}

/**
 * Where keepalived reads its configuration unless started with `-f`. A director without
 * `directors[].keepalived` is probed there (quietly: no file = not keepalived-managed), because the
 * dangerous case, a health-file drain on a pool without inhibit_on_failure, is exactly the one an
 * operator who forgot that key would not see. The sudoers line names this path exactly.
 */
export const DEFAULT_KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';

export const SYSCTL_PATHS: readonly string[] = VS_SYSCTLS.map((name: VsSysctlName) => `/proc/sys/net/ipv4/vs/${name}`);

function ipvsadmRead(field: DoctorRead['field'], command: IpvsCommand, sudo: boolean): DoctorRead {
  return { field, what: command.argv.join(' '), command: { argv: command.argv, mutates: false, sudo, timeoutMs: TIMEOUT_MS, label: command.argv.join(' ') } };
}

/**
 * `cat PATH` of keepalived.conf, through `sudo -n` when the director's ipvsadm needs it. Under sudo
 * the path must be absolute: the sudoers line names it exactly, and no `--` may stand in between.
 */
export function keepalivedRead(path: string, sudo: boolean): DoctorRead {
  if (path === '' || (sudo && !path.startsWith('/'))) {
    throw new ReleaseError('CONFIG_INVALID', `directors[].keepalived "${path}" is not an absolute path`, {
      hint: 'write the absolute path of keepalived.conf (e.g. /etc/keepalived/keepalived.conf): with ssh.sudo it is read by `sudo -n cat PATH`, which the sudoers line names exactly.',
    });
  }
  const file = path.startsWith('-') ? `./${path}` : path;
  return { field: 'keepalived', what: `cat ${path}`, command: { argv: ['cat', file], mutates: false, sudo, timeoutMs: TIMEOUT_MS, label: `cat ${path}` } };
}

/** Every read of one director: tables, thresholds, version, timeouts (ipvsadm, as root when
 * configured), the IPVS sysctls (world-readable, never sudo) and keepalived.conf (the one named, else
 * DEFAULT_KEEPALIVED_CONF, quietly: no file there is no finding). A read
 * that cannot be sent safely is in `refused` (what → why), for the `unreadable` warnings. */
export function directorReads(director: { keepalived?: string; sudo: boolean }): { reads: DoctorRead[]; refused: Record<string, string> } {
  const { sudo } = director;
  const reads: DoctorRead[] = [
    ipvsadmRead('list', listCommand(), sudo),
    ipvsadmRead('thresholds', listCommand({ mode: 'thresholds' }), sudo),
    ipvsadmRead('version', versionCommand(), sudo),
    ipvsadmRead('timeout', timeoutCommand(), sudo),
    {
      field: 'sysctls',
      what: 'IPVS sysctls',
      command: { argv: ['grep', '-H', '.', ...SYSCTL_PATHS], mutates: false, timeoutMs: TIMEOUT_MS, label: 'IPVS sysctls' },
      acceptExit: [2],
      quiet: true,
    },
  ];
  const refused: Record<string, string> = {};
  if (director.keepalived === undefined) reads.push({ ...keepalivedRead(DEFAULT_KEEPALIVED_CONF, sudo), quiet: true });
  else {
    try {
      reads.push(keepalivedRead(director.keepalived, sudo));
    } catch (error) {
      if (!isReleaseError(error)) throw error;
      refused[`cat ${director.keepalived}`] = `${error.message}; ${error.hint ?? ''}`.replace(/; $/, '');
    }
  }
  return { reads, refused };
}

/** `test -f PATH` on a server (as the SSH user): is the health file in place? */
export function healthFileRead(path: string): RemoteCommand & { readonly argv: readonly string[] } {
  const file = path.startsWith('-') ? `./${path}` : path;
  return { argv: ['test', '-f', file], mutates: false, timeoutMs: TIMEOUT_MS, label: 'health file' };
}
