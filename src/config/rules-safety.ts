// Rules against injection: no value an SSH client or shell could read as an option, no control characters.

import { ipFamily } from './address.ts';
import type { Finding, PathSegment } from './problems.ts';
import { isRecord, walkStrings } from './raw.ts';

type Pattern = readonly (string | '*')[];

/** Fields that name hosts, users, files: a leading '-' would be read as an option (e.g. -oProxyCommand=…). */
const OPTION_LIKE_FIELDS: readonly Pattern[] = [
  ['cluster'],
  ['pipeline'],
  ['journal', 'dir'],
  ...['directors', 'realServers'].flatMap((list) => [[list, '*', 'host'], [list, '*', 'name'], ...sshFields([list, '*', 'ssh'])]),
  ['directors', '*', 'keepalived'],
  ['realServers', '*', 'address'],
  ...sshFields(['ssh']),
  ...appFields(['app']),
  ...appFields(['realServers', '*', 'app']),
  ['peakWindows', 'timezone'],
  ['peakWindows', 'windows', '*', 'name'],
];

function sshFields(base: Pattern): Pattern[] {
  return ['user', 'identityFile', 'knownHosts', 'jumpHost'].map((key) => [...base, key]);
}

// restart/reload: the login shell runs a command as `sh -c COMMAND`, where a leading "-" is an option.
function appFields(base: Pattern): Pattern[] {
  return [
    [...base, 'root'],
    [...base, 'healthFile'],
    [...base, 'restart'],
    [...base, 'reload'],
    [...base, 'smoke', 'host'],
  ];
}

/** The string values at a pattern ('*' = every list entry), with their concrete paths. */
export function* stringsMatching(data: unknown, pattern: Pattern, path: PathSegment[] = []): Generator<{ path: PathSegment[]; value: string }> {
  const [head, ...rest] = pattern;
  if (head === undefined) {
    if (typeof data === 'string') yield { path, value: data };
    return;
  }
  if (head === '*') {
    if (Array.isArray(data)) for (const [index, item] of data.entries()) yield* stringsMatching(item, rest, [...path, index]);
  } else if (isRecord(data)) {
    yield* stringsMatching(data[head], rest, [...path, head]);
  }
}

export function noOptionLikeValues(raw: unknown): Finding[] {
  return OPTION_LIKE_FIELDS.flatMap((pattern) =>
    [...stringsMatching(raw, pattern)]
      .filter(({ value }) => value.startsWith('-'))
      .map(({ path, value }) => ({
        path,
        message: `"${value}" starts with "-", which ssh or a shell would read as an option`,
        hint: 'remove the leading "-"; a host, user or path never starts with one',
      })),
  );
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/** A DNS name or an IP address (IPv6 without brackets). */
export function isHostName(text: string): boolean {
  return ipFamily(text) !== undefined || HOST_NAME.test(text);
}

export function hostsAreHostNames(raw: unknown): Finding[] {
  const patterns: Pattern[] = [
    ['directors', '*', 'host'],
    ['realServers', '*', 'host'],
  ];
  return patterns.flatMap((pattern) =>
    [...stringsMatching(raw, pattern)]
      .filter(({ value }) => !value.startsWith('-') && !isHostName(value))
      .map(({ path, value }) => ({
        path,
        message: `"${value}" is not a host name or IP address`,
        hint: 'write the name or address you would pass to ssh, without user@ or :port (use ssh.user and ssh.port)',
      })),
  );
}

/** NUL, newline and carriage return are rejected everywhere except in the given paths (shell scripts). */
export function noControlCharacters(raw: unknown, allowNewline: (path: PathSegment[]) => boolean = () => false): Finding[] {
  const findings: Finding[] = [];
  for (const { path, value } of walkStrings(raw)) {
    if (value.includes('\0')) {
      findings.push({ path, message: 'contains a NUL character', hint: 'remove the NUL character (\\0)' });
    } else if (/[\r\n]/.test(value) && !allowNewline(path)) {
      findings.push({ path, message: 'contains a line break', hint: 'write the value on one line (no block scalar | or >)' });
    }
  }
  return findings;
}
