// The four measurements, each a release (or execs) on one shared lab; they return data, the
// caller prints. Releases run with --batch 1 so every batch is one server.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReleaseEvent } from '../src/events/types.ts';
import { batchTimings, batchWindows, median, outOfPool, percentile, phaseMs, type BatchTiming, type OutOfPool } from './analyze.ts';
import { measureExecRtt } from './exec-rtt.ts';
import { ipvsadmPerServer, recordIpvsadm, type IpvsadmPerServer } from './ipvsadm.ts';
import type { BenchLab, CliRun } from './lab.ts';
import { startCountingProxy, type CountingProxy } from './proxy.ts';

export interface RunSummary {
  release: string;
  exitCode: number;
  wallMs: number;
  /** The first lines of stderr when the run did not exit 0. */
  error?: string;
}

function summary(release: string, run: CliRun): RunSummary {
  return { release, exitCode: run.code, wallMs: run.wallMs, ...(run.code === 0 ? {} : { error: run.stderr.split('\n').slice(0, 6).join('\n') }) };
}

type ClusterDoc = Record<string, unknown> & {
  directors: { name: string; ssh?: Record<string, unknown> }[];
  realServers: { name: string; ssh?: Record<string, unknown> }[];
};

function sshHostsOf(bl: BenchLab): { name: string; role: 'director' | 'server'; port: number; knownHostsKey: string }[] {
  const hosts = [
    ...bl.lab.directors.map((d) => ({ name: d.name, role: 'director' as const, ssh: bl.lab.sshHost(d.name) })),
    ...bl.lab.servers.map((s) => ({ name: s.name, role: 'server' as const, ssh: s.ssh })),
  ];
  return hosts.map((h) => {
    if (!h.ssh) throw new Error(`no SSH host for ${h.name}`);
    return { name: h.name, role: h.role, port: h.ssh.port, knownHostsKey: h.ssh.hostPublicKey };
  });
}

export interface ConnectionsResult {
  run: RunSummary;
  hosts: { name: string; role: 'director' | 'server'; accepted: number }[];
}

/** 1. One release through a counting proxy per host: TCP connections accepted per host. */
export async function measureConnections(bl: BenchLab, pipeline: string, artifact: string, release: string): Promise<ConnectionsResult> {
  const hosts = sshHostsOf(bl);
  const proxies = new Map<string, CountingProxy>();
  try {
    for (const h of hosts) proxies.set(h.name, await startCountingProxy(h.port));
    // Same host keys under the proxies' ports, so strict host-key checking still passes.
    const knownHosts = join(bl.lab.dir, 'known_hosts.bench');
    const original = await readFile(bl.lab.info.knownHosts, 'utf8');
    const lines = hosts.map((h) => `[127.0.0.1]:${proxies.get(h.name)?.port} ${h.knownHostsKey}`);
    await writeFile(knownHosts, `${original.trimEnd()}\n${lines.join('\n')}\n`);
    const config = await bl.writeCluster('bench-proxied.yaml', (raw) => {
      const c = raw as ClusterDoc;
      c.pipeline = pipeline;
      c.ssh = { ...(c.ssh as object), knownHosts: './known_hosts.bench' };
      for (const entry of [...c.directors, ...c.realServers]) entry.ssh = { ...entry.ssh, port: proxies.get(entry.name)?.port };
    });
    for (const p of proxies.values()) p.reset();
    const run = await bl.release(config, ['--artifact', artifact, '--release-id', release, '--batch', '1']);
    return { run: summary(release, run), hosts: hosts.map((h) => ({ name: h.name, role: h.role, accepted: proxies.get(h.name)?.accepted() ?? 0 })) };
  } finally {
    await Promise.all([...proxies.values()].map((p) => p.close()));
  }
}

export interface RttStats {
  noDelay: boolean;
  count: number;
  failures: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
}

/** 2. Sequential `true` execs on one connection to web1, with and without TCP_NODELAY. */
export async function measureRtt(bl: BenchLab, count: number): Promise<RttStats[]> {
  const web1 = bl.lab.servers[0];
  if (!web1) throw new Error('the lab has no server');
  const out: RttStats[] = [];
  for (const noDelay of [true, false]) {
    const r = await measureExecRtt(bl.lab, { name: web1.name, port: web1.ssh.port }, noDelay, count);
    out.push({ noDelay, count, failures: r.failures, medianMs: median(r.samplesMs), p90Ms: percentile(r.samplesMs, 90), minMs: Math.min(...r.samplesMs) });
  }
  return out;
}

export interface OverheadResult {
  run: RunSummary;
  events: ReleaseEvent[];
  batches: BatchTiming[];
  ipvsadm: { perServer: IpvsadmPerServer[]; outsideBatches: number; total: number };
}

/** 3. A release with minimal waits: per batch, wall − drain − steps; ipvsadm calls per server. */
export async function measureOverhead(bl: BenchLab, config: string, artifact: string, release: string): Promise<OverheadResult> {
  const recorder = recordIpvsadm(bl.lab);
  let run: CliRun;
  try {
    run = await bl.release(config, ['--artifact', artifact, '--release-id', release, '--batch', '1']);
  } finally {
    recorder.stop();
  }
  const servers = bl.lab.servers.map((s) => ({ name: s.name, httpPort: s.app.port }));
  return {
    run: summary(release, run),
    events: run.events,
    batches: batchTimings(run.events),
    ipvsadm: ipvsadmPerServer(recorder.calls, servers, batchWindows(run.events)),
  };
}

export interface OutOfPoolResult {
  variant: 'prepare-ahead' | 'prepare-not-ahead' | 'upload-in-deploy';
  run: RunSummary;
  servers: OutOfPool[];
  medianMs: number;
  /** Upload+unpack time per server (prepare phase, or the deploy steps that moved there). */
  transferMs: Record<string, number>;
}

/** 4. Time out of the pool per server with a big artifact, for one pipeline variant. */
export async function measureOutOfPool(
  bl: BenchLab,
  variant: OutOfPoolResult['variant'],
  config: string,
  artifact: string,
  release: string,
): Promise<OutOfPoolResult> {
  const run = await bl.release(config, ['--artifact', artifact, '--release-id', release, '--batch', '1']);
  const servers = outOfPool(run.events);
  const transferMs = variant === 'upload-in-deploy' ? deployTransferMs(run) : phaseMs(run.events, 'prepare');
  return { variant, run: summary(release, run), servers, medianMs: median(servers.map((s) => s.ms)), transferMs };
}

// The upload and unpack steps that `uploadInDeploy` moved: deploy steps before "switch current".
function deployTransferMs(run: CliRun): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of run.events) {
    if (e.type !== 'step-finished' || e.phase !== 'deploy' || /switch|restart/.test(e.label)) continue;
    out[e.server] = (out[e.server] ?? 0) + e.durationMs;
  }
  return out;
}
