// Runs `bin/release.js` as its own process, exactly as a user does (its shebang's node flags
// included), with `--json`: the events come from its stdout. Its peak RSS and CPU time come from
// GNU time (`/usr/bin/time -v`: the kernel's ru_maxrss of the process, i.e. VmHWM at exit); without
// it, /proc/PID/status VmHWM is polled every 100 ms (growth in the last interval is missed).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ReleaseEvent } from '../src/events/types.ts';
import { parseEvents } from './ndjson.ts';

export const RELEASE_BIN = fileURLToPath(new URL('../bin/release.js', import.meta.url));
const GNU_TIME = '/usr/bin/time';

export interface ReleaseProcess {
  exitCode: number;
  events: ReleaseEvent[];
  /** The first lines of stderr (diagnosis when the exit code is not 0). */
  stderrHead: string;
  /** Spawn → exit, as the caller saw it. */
  wallMs: number;
  startedAt: number;
  /** Peak resident set size of the release process, KiB. */
  peakRssKiB: number;
  rssMethod: 'gnu-time' | 'poll-vmhwm';
  /** User and system CPU seconds of the release process (GNU time only). */
  cpu?: { userS: number; sysS: number };
}

/** Fields of `time -v`'s report: "Maximum resident set size (kbytes): 180432" and so on. */
export function parseGnuTime(report: string): { peakRssKiB: number; userS: number; sysS: number } | undefined {
  const field = (name: string) => {
    const m = new RegExp(`^\\s*${name}: (\\S+)$`, 'm').exec(report);
    return m ? Number(m[1]) : Number.NaN;
  };
  const peakRssKiB = field('Maximum resident set size \\(kbytes\\)');
  if (!Number.isFinite(peakRssKiB)) return undefined;
  return { peakRssKiB, userS: field('User time \\(seconds\\)'), sysS: field('System time \\(seconds\\)') };
}

/** `VmHWM:   180432 kB` of /proc/PID/status, in KiB. */
export function parseVmHwm(status: string): number | undefined {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

export async function runReleaseProcess(options: { args: string[]; cwd: string; env: NodeJS.ProcessEnv; timeFile: string }): Promise<ReleaseProcess> {
  const gnuTime = existsSync(GNU_TIME);
  const [command, args] = gnuTime ? [GNU_TIME, ['-v', '-o', options.timeFile, RELEASE_BIN, ...options.args]] : [RELEASE_BIN, options.args];
  const startedAt = Date.now();
  const started = performance.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  let polledKiB = 0;
  const poll = gnuTime
    ? undefined
    : setInterval(() => {
        readFile(`/proc/${child.pid}/status`, 'utf8').then(
          (status) => (polledKiB = Math.max(polledKiB, parseVmHwm(status) ?? 0)),
          () => undefined,
        );
      }, 100);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const wallMs = performance.now() - started;
  if (poll) clearInterval(poll);
  const events = parseEvents(Buffer.concat(out).toString('utf8'));
  const stderrHead = Buffer.concat(err).toString('utf8').split('\n').slice(0, 12).join('\n');
  if (!gnuTime) return { exitCode, events, stderrHead, wallMs, startedAt, peakRssKiB: polledKiB, rssMethod: 'poll-vmhwm' };
  const report = await readFile(options.timeFile, 'utf8').catch(() => '');
  await rm(options.timeFile, { force: true });
  const parsed = parseGnuTime(report);
  // GNU time reports "Command exited with non-zero status N" and passes the status on.
  return {
    exitCode,
    events,
    stderrHead,
    wallMs,
    startedAt,
    peakRssKiB: parsed?.peakRssKiB ?? Number.NaN,
    rssMethod: 'gnu-time',
    ...(parsed ? { cpu: { userS: parsed.userS, sysS: parsed.sysS } } : {}),
  };
}
