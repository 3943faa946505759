// `node bench/micro.ts`: starts a 4-server lab in-process and measures SSH connections per host, exec
// round trips, the engine's per-batch overhead and time out of the pool (`--batch 1`, the CLI
// in-process). Prints tables, then one JSON line. Numbers only: nothing here asserts (the tests
// check behaviour). `npm run bench` is the scale bench (run.ts).
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { median, outOfPool } from './analyze.ts';
import { fastPipeline, startBenchLab, uploadInDeploy } from './lab.ts';
import { measureConnections, measureOutOfPool, measureOverhead, measureRtt, type RunSummary } from './scenarios.ts';
import { formatTable } from './table.ts';

const SERVERS = 4;
const RTT_EXECS = 50;
const BIG_ARTIFACT_BYTES = 50 * 1024 * 1024;

const say = (line = '') => process.stdout.write(`${line}\n`);
const load = () => loadavg().map((n) => Math.round(n * 100) / 100);
const round = (n: number) => Math.round(n * 10) / 10;

function heading(title: string, run?: RunSummary): void {
  say();
  say(`== ${title}${run ? `  (release ${run.release}: exit ${run.exitCode}, ${(run.wallMs / 1000).toFixed(1)} s)` : ''}`);
  if (run?.error) say(`   run failed, numbers below are partial:\n${run.error}`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadStart = load();
  say(`lvs-release bench: node ${process.version}, ${cpus().length} cpu(s), loadavg at start ${loadStart.join(' ')}`);
  say(`lab: ${SERVERS} servers, 2 directors, loopback; every release --batch 1, settle 0, threshold 0, poll 100ms, restart 50ms`);

  const bl = await startBenchLab({ servers: SERVERS, restartDelayMs: 50 });
  try {
    const fast = await fastPipeline();
    const fastPipelinePath = await bl.writePipeline('bench-fast.yaml', fast);
    const noAheadPath = await bl.writePipeline('bench-upload-in-deploy.yaml', uploadInDeploy(fast));
    const direct = await bl.writeCluster('bench-direct.yaml', (c) => {
      c.pipeline = fastPipelinePath;
    });
    const noAhead = await bl.writeCluster('bench-upload-in-deploy-cluster.yaml', (c) => {
      c.pipeline = noAheadPath;
    });
    const notAheadPath = await bl.writePipeline('bench-not-ahead.yaml', { ...fast, name: 'bench-not-ahead', prepareAhead: false });
    const notAhead = await bl.writeCluster('bench-not-ahead-cluster.yaml', (c) => {
      c.pipeline = notAheadPath;
    });
    const small = await bl.artifact('v2');

    const connections = await measureConnections(bl, fastPipelinePath, small, 'r2');
    heading('1. SSH connections accepted per host during one release', connections.run);
    for (const l of formatTable(
      ['host', 'role', 'connections'],
      connections.hosts.map((h) => [h.name, h.role, h.accepted]),
    ))
      say(`   ${l}`);

    const rtt = await measureRtt(bl, RTT_EXECS);
    heading(`2. exec round trip (\`true\`, ${RTT_EXECS} sequential execs on one connection to web1)`);
    for (const l of formatTable(
      ['client TCP_NODELAY', 'median ms', 'p90 ms', 'min ms', 'failed'],
      rtt.map((r) => [r.noDelay ? 'on (default)' : 'off', r.medianMs, r.p90Ms, r.minMs, r.failures]),
    ))
      say(`   ${l}`);

    const overhead = await measureOverhead(bl, direct, small, 'r3');
    heading("3. engine time per batch beyond the pipeline's waits and steps", overhead.run);
    for (const l of formatTable(
      ['batch', 'server', 'wall ms', 'drain phase', 'wait loop', 'steps ms', 'overhead ms', '+drain actions'],
      overhead.batches.map((b) => [
        b.index + 1,
        b.servers.join(','),
        b.wallMs,
        b.drainPhaseMs,
        b.waitLoopMs,
        b.stepsMs,
        b.overheadMs,
        b.overheadWithDrainActionsMs,
      ]),
    ))
      say(`   ${l}`);
    say(
      `   median overhead ${median(overhead.batches.map((b) => b.overheadMs))} ms; with drain actions ${median(overhead.batches.map((b) => b.overheadWithDrainActionsMs))} ms`,
    );
    say('   where each batch went (ms; only "wait loop" and "steps" are the pipeline\'s):');
    for (const l of formatTable(
      ['batch', 'to draining', 'drain actions', 'wait loop', 'finish drain', 'steps', 'between steps', 'restore', 'after restore'],
      overhead.batches.map((b) => {
        const s = b.segments;
        return [b.index + 1, s.toDrainingMs, s.drainActionsMs, s.waitLoopMs, s.finishDrainMs, s.stepsMs, s.betweenStepsMs, s.restoreMs, s.afterRestoreMs];
      }),
    ))
      say(`   ${l}`);
    say(`   ipvsadm calls on the directors: ${overhead.ipvsadm.total} in all, ${overhead.ipvsadm.outsideBatches} outside any batch (preflight)`);
    for (const l of formatTable(
      ['server', 'mutating (all directors)', 'reads during its batch', 'all during its batch'],
      overhead.ipvsadm.perServer.map((s) => [s.server, s.mutating, s.readsDuringBatch, s.duringBatch]),
    ))
      say(`   ${l}`);

    say();
    say(`   building a ${BIG_ARTIFACT_BYTES / 1024 / 1024} MB artifact ...`);
    const big = await bl.artifact('v4', BIG_ARTIFACT_BYTES);
    const ahead = await measureOutOfPool(bl, 'prepare-ahead', direct, big, 'r4');
    const inDeploy = await measureOutOfPool(bl, 'upload-in-deploy', noAhead, big, 'r5');
    const sequential = await measureOutOfPool(bl, 'prepare-not-ahead', notAhead, big, 'r6');
    heading('4. seconds out of the pool per server, 50 MB artifact (server-draining -> server-restored)');
    for (const r of [ahead, sequential, inDeploy]) if (r.run.error) say(`   ${r.variant} (release ${r.run.release}) failed:\n${r.run.error}`);
    const names = bl.lab.servers.map((s) => s.name);
    const secs = (r: typeof ahead, name: string) => (r.servers.find((s) => s.server === name)?.ms ?? Number.NaN) / 1000;
    const transfer = (r: typeof ahead, name: string) => (r.transferMs[name] ?? Number.NaN) / 1000;
    const smallOut = outOfPool(overhead.events);
    const smallSecs = (name: string) => (smallOut.find((s) => s.server === name)?.ms ?? Number.NaN) / 1000;
    const two = (n: number) => Math.round(n * 100) / 100;
    for (const l of formatTable(
      [
        'server',
        'prepare-ahead s',
        'upload+unpack s (in prepare)',
        'prepare not ahead s',
        'upload-in-deploy s',
        'upload+unpack s (in deploy)',
        'ref: tiny artifact s',
      ],
      names.map((n) => [
        n,
        two(secs(ahead, n)),
        two(transfer(ahead, n)),
        two(secs(sequential, n)),
        two(secs(inDeploy, n)),
        two(transfer(inDeploy, n)),
        two(smallSecs(n)),
      ]),
    ))
      say(`   ${l}`);
    say(
      `   median: prepare-ahead ${(ahead.medianMs / 1000).toFixed(2)} s, prepare not ahead (prepareAhead: false) ${(sequential.medianMs / 1000).toFixed(2)} s, upload-in-deploy ${(inDeploy.medianMs / 1000).toFixed(2)} s` +
        ` (releases ${(ahead.run.wallMs / 1000).toFixed(1)} s, ${(sequential.run.wallMs / 1000).toFixed(1)} s and ${(inDeploy.run.wallMs / 1000).toFixed(1)} s in all)`,
    );
    say(
      '   prepare runs in the pool either way; not running it ahead costs wall time, not pool time; "upload-in-deploy" is a pipeline with no prepare at all.',
    );

    const loadEnd = load();
    const totalSeconds = round((performance.now() - started) / 1000);
    say();
    say(`loadavg at end ${loadEnd.join(' ')}; bench took ${totalSeconds} s`);
    say(
      JSON.stringify({
        bench: 'lvs-release',
        at: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        loadavg: { start: loadStart, end: loadEnd },
        servers: SERVERS,
        connectionsPerHost: Object.fromEntries(connections.hosts.map((h) => [h.name, h.accepted])),
        execRttMs: Object.fromEntries(
          rtt.map((r) => [
            r.noDelay ? 'noDelay' : 'nagle',
            { median: round(r.medianMs), p90: round(r.p90Ms), min: round(r.minMs), n: r.count, failed: r.failures },
          ]),
        ),
        batchOverheadMs: {
          median: median(overhead.batches.map((b) => b.overheadMs)),
          medianWithDrainActions: median(overhead.batches.map((b) => b.overheadWithDrainActionsMs)),
          batches: overhead.batches,
        },
        ipvsadm: overhead.ipvsadm,
        outOfPoolMs: {
          ...Object.fromEntries(
            [ahead, sequential, inDeploy].map((r) => [
              r.variant,
              { median: r.medianMs, perServer: Object.fromEntries(r.servers.map((s) => [s.server, s.ms])), transferMs: r.transferMs },
            ]),
          ),
          tinyArtifactReference: { median: median(smallOut.map((s) => s.ms)), perServer: Object.fromEntries(smallOut.map((s) => [s.server, s.ms])) },
        },
        runs: [connections.run, overhead.run, ahead.run, sequential.run, inDeploy.run].map((r) => ({
          release: r.release,
          exitCode: r.exitCode,
          wallMs: Math.round(r.wallMs),
        })),
        totalSeconds,
      }),
    );
  } finally {
    await bl.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
