// `release lab …`: run the lab in the foreground, build artifacts, show its state, put load on it.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDuration } from '../../config/duration.ts';
import { EXIT, ReleaseError } from '../../core/errors.ts';
import { buildArtifact } from '../../lab/app/artifact.ts';
import type { LabInfo } from '../../lab/files.ts';
import { CHECKER_MODES, FORWARD_MODES, startLab, type CheckerMode, type ForwardMode } from '../../lab/lab.ts';
import { runLoad } from '../../lab/net/load.ts';
import type { LabState } from '../../lab/control.ts';
import { writeLine, type CliIo } from '../io.ts';

function count(text: string, flag: string, max = 1000): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ReleaseError('USAGE', `${flag} "${text}" must be a whole number from 1 to ${max}.`);
  return n;
}

export interface LabCliOptions {
  servers: string;
  dir: string;
  checker: string;
  timeScale: string;
  forward: string;
  tcpTimeScale?: string;
}

function scale(text: string, flag: string): number {
  const n = Number(text);
  if (!(n > 0 && n <= 1)) throw new ReleaseError('USAGE', `${flag} must be a number in (0, 1]`);
  return n;
}

/** The lab's settings from its options, checked without files or network (also at parse time). */
export function labSettings(options: LabCliOptions): { servers: number; checker: CheckerMode; timeScale: number; forward: ForwardMode; tcpTimeScale?: number } {
  if (!CHECKER_MODES.includes(options.checker as CheckerMode)) {
    throw new ReleaseError('USAGE', `--checker must be one of ${CHECKER_MODES.join(', ')}`);
  }
  if (!FORWARD_MODES.includes(options.forward as ForwardMode)) {
    throw new ReleaseError('USAGE', `--forward must be one of ${FORWARD_MODES.join(', ')}`);
  }
  const timeScale = scale(options.timeScale, '--time-scale');
  return {
    servers: count(options.servers, '--servers'),
    checker: options.checker as CheckerMode,
    timeScale,
    forward: options.forward as ForwardMode,
    ...(options.tcpTimeScale !== undefined ? { tcpTimeScale: scale(options.tcpTimeScale, '--tcp-time-scale') } : {}),
  };
}

export async function labCommand(io: CliIo, options: LabCliOptions): Promise<number> {
  const settings = labSettings(options);
  const started = Date.now();
  const lab = await startLab({ dir: resolve(io.cwd, options.dir), ...settings });
  writeLine(
    io.stderr,
    `lab: ${lab.servers.length} servers (${lab.forward.toUpperCase()}), ${lab.directors.length} directors, VIP ${lab.vip.url} (up in ${Date.now() - started} ms; rss ${Math.round(process.memoryUsage().rss / 1048576)} MiB)`,
  );
  writeLine(io.stdout, `lab ready: ${lab.configPath}`);
  await new Promise<void>((resolveStop) => {
    const onSignal = () => resolveStop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  writeLine(io.stderr, 'lab: stopping');
  await lab.stop();
  writeLine(io.stderr, 'lab: stopped');
  return EXIT.ok;
}

function parseBytes(text: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(text.trim());
  if (!m) throw new ReleaseError('USAGE', `--pad "${text}" is not a size like 50M`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * unit;
}

export async function labArtifactCommand(io: CliIo, options: { version: string; broken?: 'start' | 'health'; pad?: string; out: string }): Promise<number> {
  const artifact = await buildArtifact({
    version: options.version,
    ...(options.broken ? { broken: options.broken } : {}),
    ...(options.pad ? { padBytes: parseBytes(options.pad) } : {}),
    out: resolve(io.cwd, options.out),
  });
  writeLine(io.stdout, `${artifact.path} (${artifact.bytes} bytes, version ${artifact.version}${options.broken ? `, broken: ${options.broken}` : ''})`);
  return EXIT.ok;
}

export async function readLabInfo(io: CliIo, dir: string): Promise<LabInfo> {
  const path = resolve(io.cwd, dir, 'lab.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LabInfo;
  } catch {
    throw new ReleaseError('USAGE', `no lab at ${path}`, { hint: 'Start one with `release lab --dir DIR` (it writes DIR/lab.json).' });
  }
}

export async function labStatusCommand(io: CliIo, options: { dir: string }): Promise<number> {
  const info = await readLabInfo(io, options.dir);
  const response = await fetch(new URL('state', info.control)).catch(() => undefined);
  if (!response?.ok)
    throw new ReleaseError('USAGE', `the lab at ${options.dir} does not answer on ${info.control}`, { hint: 'Is `release lab` still running?' });
  const state = (await response.json()) as LabState;
  const holding = state.directors.filter((d) => d.holdsVip).map((d) => d.name);
  writeLine(
    io.stdout,
    `VIP ${state.vip} (${state.forward.toUpperCase()})  master ${state.master}  most servers out at once so far: ${state.maxOut}  held connections: ${state.held}`,
  );
  if (holding.length !== 1) writeLine(io.stdout, holding.length === 0 ? 'no director holds the VIP' : `SPLIT BRAIN: ${holding.join(' and ')} hold the VIP`);
  const c = state.vipCounters;
  if (c.serverNoVip + c.directorNoVip + c.noForwarding > 0) {
    writeLine(
      io.stdout,
      `dropped: ${c.serverNoVip} at servers without the VIP on lo, ${c.directorNoVip} for no director holding the VIP, ${c.noForwarding} at a NAT director not forwarding`,
    );
  }
  for (const d of state.directors) {
    const vs = Object.entries(d.vs)
      .map(([k, v]) => `${k.replace('net.ipv4.vs.', '')}=${v}`)
      .join(' ');
    writeLine(
      io.stdout,
      `\n${d.name}${d.master ? ' (MASTER)' : ' (BACKUP)'}  VIP ${d.holdsVip ? 'held' : 'not held'}  ip_forward=${d.ipForward ? 1 : 0}  ${vs}${d.keepalived ? `  keepalived ${d.keepalived}` : ''}:`,
    );
    io.stdout.write(d.listing);
  }
  writeLine(io.stdout, '');
  for (const s of state.servers) {
    const faults = [s.faults.refuseNew ? 'refusing SSH' : '', s.faults.hang ? 'commands hang' : ''].filter(Boolean).join(', ');
    const network = state.forward === 'dr' ? `  VIP on lo: ${s.vipOnLo ? 'yes' : 'NO'}  arp_ignore=${s.arpIgnore} arp_announce=${s.arpAnnounce}` : '';
    writeLine(
      io.stdout,
      `${s.name.padEnd(8)} ${s.address}:${s.port}  ${s.running ? `running ${s.version}` : 'DOWN'}  in-flight ${s.inFlight}  ssh ${s.sshConnections}${network}${faults ? `  faults: ${faults}` : ''}`,
    );
  }
  return EXIT.ok;
}

export async function labLoadCommand(
  io: CliIo,
  options: { dir: string; duration: string; rps?: string; concurrency: string; keepalive?: boolean },
): Promise<number> {
  const info = await readLabInfo(io, options.dir);
  const durationMs = parseDuration(options.duration);
  const result = await runLoad({
    url: info.vip,
    durationMs,
    ...(options.rps ? { rps: count(options.rps, '--rps', 100_000) } : {}),
    concurrency: count(options.concurrency, '--concurrency'),
    keepAlive: Boolean(options.keepalive),
    requestTimeoutMs: 5000,
  });
  writeLine(io.stdout, JSON.stringify(result));
  const failed = Object.values(result.failures).reduce((a, b) => a + b, 0);
  return failed > 0 ? EXIT.failedRolledBack : EXIT.ok;
}
