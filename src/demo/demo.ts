// `npm run demo`: a real release on the built-in lab. Starts the lab (2 directors, 4 servers,
// SSH, HTTP, the VIP), builds a good and a broken artifact, releases the good one under load
// through the VIP, then the broken one, which rolls back; prints the summaries and the load report.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../cli.ts';
import { processIo, writeLine } from '../cli/io.ts';
import { buildArtifact } from '../lab/app/artifact.ts';
import { startLab } from '../lab/lab.ts';
import { runLoad, type LoadResult } from '../lab/net/load.ts';

function describeLoad(label: string, result: LoadResult): string {
  const failed = Object.entries(result.failures).filter(([, n]) => n > 0);
  return [
    `${label}: ${result.requests} requests through the VIP, ${result.ok} ok, ${failed.length ? failed.map(([k, n]) => `${n} ${k}`).join(', ') : 'no failures'}`,
    `  latency p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms; responses by version: ${Object.entries(result.byVersion)
      .map(([v, n]) => `${v} ${n}`)
      .join(', ')}`,
  ].join('\n');
}

async function main(): Promise<number> {
  const started = performance.now();
  const io = processIo();
  const work = await mkdtemp(join(tmpdir(), 'lvs-release-demo-'));
  writeLine(io.stdout, `demo: starting the lab in ${work}/lab (2 directors, 4 real servers; NAT on 127.0.0.1)`);
  const lab = await startLab({ dir: join(work, 'lab'), servers: 4, timeScale: 0.01, restartDelayMs: 300 });
  try {
    writeLine(io.stdout, `demo: lab ready: ${lab.configPath} (VIP ${lab.vip.url})`);
    const good = await buildArtifact({ version: 'v2', out: join(work, 'app-v2.tar.gz') });
    const broken = await buildArtifact({ version: 'v3', broken: 'health', out: join(work, 'app-v3-broken.tar.gz') });
    const release = async (artifact: string, id: string): Promise<{ code: number; load: LoadResult }> => {
      const controller = new AbortController();
      const loading = runLoad({ url: lab.vip.url, durationMs: 600_000, concurrency: 4, keepAlive: false, requestTimeoutMs: 10_000, signal: controller.signal });
      const code = await run(['-c', lab.configPath, '--artifact', artifact, '--batch', '2', '--release-id', id], {
        ...io,
        env: { ...io.env, CI: io.env.CI ?? '' },
      });
      controller.abort();
      return { code, load: await loading };
    };
    writeLine(io.stdout, `\n=== 1. release ${good.version} with --batch 2, under load through the VIP ===`);
    const first = await release(good.path, 'r-v2');
    writeLine(io.stdout, `\n${describeLoad(`load during release r-v2 (exit ${first.code})`, first.load)}`);
    writeLine(io.stdout, `\n=== 2. release ${broken.version}, broken (fails its health check): it rolls back ===`);
    const second = await release(broken.path, 'r-v3');
    writeLine(io.stdout, `\n${describeLoad(`load during release r-v3 (exit ${second.code}: 1 = failed and rolled back)`, second.load)}`);
    writeLine(io.stdout, `demo: VIP counters: ${JSON.stringify(lab.vip.counters())}`);
    const versions = lab.servers.map((s) => `${s.name}=${s.app.status().version}`).join(' ');
    writeLine(io.stdout, `\ndemo: servers now run: ${versions}; most servers out of the pool at once: ${lab.timeline.maxOut()}`);
    const ok = first.code === 0 && second.code === 1;
    const failures = [first.load, second.load].reduce((n, l) => n + Object.values(l.failures).reduce((a, b) => a + b, 0), 0);
    writeLine(io.stdout, ok && failures === 0 ? 'demo: as expected (0 then 1, no failed request).' : 'demo: UNEXPECTED outcome, see above.');
    return ok && failures === 0 ? 0 : 1;
  } finally {
    await lab.stop();
    await rm(work, { recursive: true, force: true });
    // Everything is closed now: the process ends right after this line.
    writeLine(io.stdout, `demo: lab stopped; done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

process.exitCode = await main();
