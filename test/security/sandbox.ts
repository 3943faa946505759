// A scratch directory where command lines and scripts run under a real /bin/sh, either with real
// tools or with recording stubs only, and where any injected `touch PWNED` leaves a trace.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Values an attacker (or an unlucky config) could put in a path, host, label or JSON field. */
export const HOSTILE: readonly string[] = [
  "it's",
  "'; touch PWNED; '",
  '"double" "quotes"',
  '$(touch PWNED)',
  '`touch PWNED`',
  '; touch PWNED',
  '&& touch PWNED',
  '| touch PWNED',
  'line\nbreak; touch PWNED',
  '\ttab',
  '-rf',
  '--',
  ' spaced  out ',
  '*',
  '?',
  '[a-z]*',
  '~',
  '$HOME',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, the hostile value itself
  '${IFS}touch${IFS}PWNED',
  'back\\slash',
  '!',
  '#comment',
  '{a,b}',
  '> PWNED',
  '日本語 🚀',
];

/** Command names every stub directory has: the tools our argvs name, and what an injection would call. */
const STUBS = ['__argv', 'sudo', 'ipvsadm', 'ss', 'cat', 'touch', 'rm', 'mkdir', 'mv', 'grep', 'readlink', 'id', 'sh', 'echo'];

/** One recorded call of a stub: its name, then its arguments. */
export type Call = string[];

export interface Sandbox {
  readonly dir: string;
  /** Runs a command line with only the recording stubs on PATH; returns the calls they saw. */
  stubbed(commandLine: string): { code: number | null; calls: Call[]; stderr: string };
  /** Runs a script with the real tools, in `dir`. */
  real(script: string, options?: { stdin?: string }): { code: number | null; stdout: string; stderr: string };
  /** Files named PWNED anywhere under `dir` (what an injection would create). */
  pwned(): string[];
  close(): void;
}

/** A command line as the argv a shell hands to the command: `__argv LINE` records every word. */
export function argvOf(sandbox: Sandbox, commandLine: string): string[] {
  const { calls, code, stderr } = sandbox.stubbed(`__argv ${commandLine}`);
  if (code !== 0 || calls.length !== 1) throw new Error(`expected one call, got ${JSON.stringify(calls)} (exit ${code}: ${stderr})`);
  return (calls[0] as Call).slice(1);
}

export function openSandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'lvs-sec-'));
  const dir = join(root, 'work');
  const stubs = join(root, 'stubs');
  const log = join(root, 'calls');
  mkdirSync(dir);
  mkdirSync(stubs);
  for (const name of STUBS) {
    const file = join(stubs, name);
    // Builtins only: NUL-separated name and arguments, one \x01 field ends a call.
    writeFileSync(file, `#!/bin/sh\n{ printf '%s\\0' "\${0##*/}"; for a in "$@"; do printf '%s\\0' "$a"; done; printf '\\001\\0'; } >> "$CALLS"\n`);
    chmodSync(file, 0o755);
  }
  const walk = (at: string): string[] =>
    readdirSync(at, { withFileTypes: true }).flatMap((e) => {
      const path = join(at, e.name);
      return [...(e.name === 'PWNED' ? [path] : []), ...(e.isDirectory() ? walk(path) : [])];
    });
  return {
    dir,
    stubbed(commandLine) {
      rmSync(log, { force: true });
      const done = spawnSync('/bin/sh', ['-c', commandLine], { cwd: dir, env: { PATH: stubs, CALLS: log, HOME: dir }, encoding: 'utf8' });
      const fields = existsSync(log) ? readFileSync(log, 'utf8').split('\0') : [];
      const calls: Call[] = [];
      let current: string[] = [];
      for (const field of fields.slice(0, -1)) {
        if (field === '\x01') {
          calls.push(current);
          current = [];
        } else current.push(field);
      }
      return { code: done.status, calls, stderr: done.stderr };
    },
    real(script, options = {}) {
      const done = spawnSync('/bin/sh', ['-c', script], {
        cwd: dir,
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir },
        encoding: 'utf8',
        input: options.stdin ?? '',
      });
      return { code: done.status, stdout: done.stdout, stderr: done.stderr };
    },
    pwned: () => walk(root),
    close: () => rmSync(root, { recursive: true, force: true }),
  };
}
