// The lab's `sysctl` (procps-ng): read (`-n KEY`, `KEY`, `-a`) and write (`-w KEY=VALUE`, or
// `KEY=VALUE`) the calling host's kernel settings, with procps-ng 4.0's messages and exit status.
// Only the settings a release checks exist (ip_forward, ARP, net.ipv4.vs.*); others are unknown.
import type { HostNet } from '../net/host-net.ts';
import type { ToolResult } from './tool-server.ts';

interface Flags {
  valuesOnly: boolean;
  quiet: boolean;
  write: boolean;
  all: boolean;
  ignoreUnknown: boolean;
}

const SHORT: Record<string, keyof Flags | undefined> = { n: 'valuesOnly', q: 'quiet', w: 'write', a: 'all', A: 'all', X: 'all', e: 'ignoreUnknown' };
const LONG: Record<string, keyof Flags | undefined> = {
  '--values': 'valuesOnly',
  '--quiet': 'quiet',
  '--write': 'write',
  '--all': 'all',
  '--ignore': 'ignoreUnknown',
};

/** `net/ipv4/ip_forward` → `net.ipv4.ip_forward`, as procps accepts both. */
const normalize = (key: string) => (key.includes('/') ? key.replaceAll('/', '.') : key).replace(/^\.+/, '');
const procPath = (key: string) => `/proc/sys/${key.replaceAll('.', '/')}`;

export function runSysctl(net: HostNet, argv: readonly string[]): ToolResult {
  const flags: Flags = { valuesOnly: false, quiet: false, write: false, all: false, ignoreUnknown: false };
  const args: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('--')) {
      const flag = LONG[arg];
      if (!flag) return { stderr: `sysctl: unrecognized option '${arg}'\n`, exitCode: 1 };
      flags[flag] = true;
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (const c of arg.slice(1)) {
        const flag = SHORT[c];
        if (!flag) return { stderr: `sysctl (lab): option -${c} is not emulated\n`, exitCode: 1 };
        flags[flag] = true;
      }
    } else args.push(arg);
  }
  const line = (key: string, value: string) => (flags.valuesOnly ? `${value}\n` : `${key} = ${value}\n`);
  if (flags.all)
    return {
      stdout: net
        .sysctlKeys()
        .map((k) => line(k, net.sysctl(k) as string))
        .join(''),
      exitCode: 0,
    };
  if (args.length === 0) return { stderr: "sysctl: no variables specified\nTry `sysctl --help' for more information.\n", exitCode: 1 };

  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const writing = flags.write || eq >= 0;
    if (writing && eq < 0) {
      stderr += `sysctl: "${arg}" must be of the form name=value\n`;
      exitCode = 1;
      continue;
    }
    const key = normalize(writing ? arg.slice(0, eq).trim() : arg);
    if (net.sysctl(key) === undefined) {
      if (!flags.ignoreUnknown) {
        stderr += `sysctl: cannot stat ${procPath(key)}: No such file or directory\n`;
        exitCode = 1;
      }
      continue;
    }
    if (!writing) {
      stdout += line(key, net.sysctl(key) as string);
      continue;
    }
    const value = arg.slice(eq + 1).trim();
    if (net.setSysctl(key, value) !== 'ok') {
      stderr += `sysctl: setting key "${key}": Invalid argument\n`;
      exitCode = 1;
      continue;
    }
    if (!flags.quiet) stdout += line(key, net.sysctl(key) as string);
  }
  return { stdout, stderr, exitCode };
}

/** `/proc/sys/net/ipv4/ip_forward` → its value, or undefined when the host has no such setting. */
export function readProcSys(net: HostNet, path: string): string | undefined {
  if (!path.startsWith('/proc/sys/')) return undefined;
  return net.sysctl(path.slice('/proc/sys/'.length).replaceAll('/', '.'));
}
