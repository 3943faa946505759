// `npm run bench`: the scale bench. For 20, 100 and 200 lab servers (`--batch` 5, 25, 50: four
// batches each, the same pipeline), a lab in this process under load through the VIP, and one
// release by `bin/release.js` in its own process. Prints the numbers side by side, the issue's
// targets as PASS/FAIL, where the time goes, then one JSON line. Nothing here asserts.
// `--sizes 20:5,200:50` runs other sizes. The older 4-server bench is `node bench/micro.ts`.
import { cpus, loadavg } from 'node:os';
import { type Cell, formatTable } from './table.ts';
import { summarizeScale, type ScaleSummary, type Segment } from './scale-analysis.ts';
import { checkTargets } from './targets.ts';
import { runScale, type ScaleRun } from './scale.ts';

const DEFAULT_SIZES = [
  { servers: 20, batch: 5 },
  { servers: 100, batch: 25 },
  { servers: 200, batch: 50 },
];
/** The demo's restart time; smoke checks every 100 ms, drains polled from 100 ms, settle 0 (bench/pipelines.ts). */
const RESTART_DELAY_MS = 300;
/** Short requests, a fresh connection each, through the VIP during every release. */
const LOAD = { rps: 100, concurrency: 8 };

const say = (line = '') => process.stdout.write(`${line}\n`);
const load = () => loadavg().map((n) => Math.round(n * 100) / 100);
const s1 = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : '-');
const s2 = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');
const n2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
const ms0 = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : '-');

function parseSizes(argv: readonly string[]): { servers: number; batch: number }[] {
  const i = argv.indexOf('--sizes');
  const value = i >= 0 ? argv[i + 1] : undefined;
  if (!value) return DEFAULT_SIZES;
  return value.split(',').map((pair) => {
    const [servers, batch] = pair.split(':').map(Number);
    if (!servers || !batch) throw new Error(`--sizes: "${pair}" is not SERVERS:BATCH`);
    return { servers, batch };
  });
}

function print(lines: string[]): void {
  for (const l of lines) say(`   ${l}`);
}

// Rows of named segments, one column per run (a name missing from a run shows "-").
function segmentTable(runs: readonly ScaleSummary[], pick: (s: ScaleSummary) => Segment[], headers: string[]): string[] {
  const names: string[] = [];
  for (const r of runs) for (const seg of pick(r)) if (!names.includes(seg.name)) names.push(seg.name);
  const rows: Cell[][] = names.map((name) => [name, ...runs.map((r) => ms0(pick(r).find((x) => x.name === name)?.ms ?? Number.NaN))]);
  rows.push(['sum', ...runs.map((r) => ms0(pick(r).reduce((a, b) => a + b.ms, 0)))]);
  return formatTable(headers, rows);
}

function summaryTable(runs: readonly ScaleSummary[], raw: readonly ScaleRun[], headers: string[]): string[] {
  const col = (f: (s: ScaleSummary, r: ScaleRun) => Cell): Cell[] => runs.map((s, i) => f(s, raw[i] as ScaleRun));
  const rows: Cell[][] = [
    ['release exit code', ...col((s) => String(s.exitCode))],
    ['wall time s (bin/release.js spawn → exit)', ...col((s) => s1(s.wallMs))],
    [
      'per batch s: median (min-max)',
      ...col((s) => `${s2(s.perBatchMedianMs)} (${s2(Math.min(...s.batches.map((b) => b.wallMs)))}-${s2(Math.max(...s.batches.map((b) => b.wallMs)))})`),
    ],
    ['out of the pool per server s (median)', ...col((s) => s2(s.medians.outMs))],
    [
      'physical floor s (median): drain + restart + smoke',
      ...col((s) => `${s2(s.medians.floorMs)} = ${ms0(s.medians.drainMs)}+${ms0(s.medians.restartMs)}+${ms0(s.medians.smokeMs)} ms`),
    ],
    ['ref: strict floor s (median): drain + restart + the passing request itself', ...col((s) => s2(s.medians.strictFloorMs))],
    ['out of the pool / floor (median of per-server ratios)', ...col((s) => n2(s.medians.ratio))],
    ['orchestration per batch ms (median): wall − slowest out', ...col((s) => ms0(s.orchestrationMedianMs))],
    [
      'SSH execs per server on the directors',
      ...col((s) => `${n2(s.director.perServer)} (${s.director.execs + s.director.sftp} on ${s.director.hosts} hosts)`),
    ],
    ['SSH execs per server on the servers, + SFTP sessions', ...col((s) => `${n2(s.server.execsPerServer)} + ${n2(s.server.sftp / s.servers)} SFTP`)],
    ['channels in flight per connection, max: directors / servers', ...col((s) => `${s.director.maxChannels} / ${s.server.maxChannels}`)],
    [
      'SSH connections per host (min-max)',
      ...col((s) => `${Math.min(s.director.connections.min, s.server.connections.min)}-${Math.max(s.director.connections.max, s.server.connections.max)}`),
    ],
    ['release peak RSS MiB', ...col((s) => s.peakRssMiB.toFixed(1))],
    ['release CPU s (user+sys)', ...col((s) => (s.cpuS === undefined ? '-' : s.cpuS.toFixed(1)))],
    [
      'lab CPU s during it: node / its spawner, shells and shims',
      ...col((s, r) => `${r.labCpuS.self.toFixed(1)} / ${Math.max(0, r.labCpuS.children - (s.cpuS ?? 0)).toFixed(1)}`),
    ],
    ['lab event loop utilisation', ...col((_s, r) => `${Math.round(r.labEventLoop * 100)} %`)],
    [
      'machine CPU s during it: this bench (lab + release) / other processes / idle',
      ...col((_s, r) => {
        const mine = r.labCpuS.self + r.labCpuS.children;
        return `${mine.toFixed(1)} / ${Math.max(0, r.machineCpuS.busy - mine).toFixed(1)} / ${r.machineCpuS.idle.toFixed(1)}`;
      }),
    ],
    ['ref: bin/release.js validate, same files (no network) s', ...col((_s, r) => s2(r.validateMs))],
    ['requests through the VIP: failed / sent', ...col((s) => `${s.load.failed} / ${s.load.requests}`)],
    ['most servers out of the pool at once', ...col((s) => String(s.maxOut))],
    ['loadavg (1 min) before → after the release', ...col((_s, r) => `${r.loadavg.before[0]} → ${r.loadavg.after[0]}`)],
  ];
  return formatTable(headers, rows);
}

async function main(): Promise<void> {
  const sizes = parseSizes(process.argv.slice(2));
  const benchStarted = performance.now();
  const loadStart = load();
  const at = new Date().toISOString();
  say(`lvs-release scale bench ${at}: node ${process.version}, ${cpus().length} cpu(s), loadavg at start ${loadStart.join(' ')}`);
  say(`lab in this process (NAT, 2 directors, checker off, restart ${RESTART_DELAY_MS} ms, ${LOAD.rps} req/s through the VIP, a connection each);`);
  say(
    'the release is bin/release.js --json in its own process (RSS and CPU: GNU time); pipeline: shipped symlink, settle 0s, poll 100ms, smoke interval 100ms',
  );
  const raw: ScaleRun[] = [];
  const runs: ScaleSummary[] = [];
  for (const size of sizes) {
    const run = await runScale({ ...size, restartDelayMs: RESTART_DELAY_MS, load: LOAD });
    const summary = summarizeScale(run);
    raw.push(run);
    runs.push(summary);
    say(
      `   ${size.servers} servers --batch ${size.batch}: exit ${summary.exitCode}, ${s1(summary.wallMs)} s, ${summary.peakRssMiB.toFixed(0)} MiB (lab started in ${s1(run.labStartMs)} s)`,
    );
    if (summary.exitCode !== 0) say(run.release.stderrHead.replace(/^/gm, '     | '));
    if (summary.missing.length > 0)
      say(`     no floor for ${summary.missing.length} servers, e.g. ${summary.missing[0]?.server}: missing ${summary.missing[0]?.missing}`);
  }
  const headers = ['', ...runs.map((r) => `${r.servers} --batch ${r.batch}`)];

  say();
  say('== side by side');
  print(summaryTable(runs, raw, headers));

  say();
  say('== targets (issue 10, "Done when")');
  for (const t of checkTargets(runs)) say(`   ${t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.detail}`);

  say();
  say("== where a server's time out of the pool goes (ms, median over the servers; engine events and lab marks)");
  print(segmentTable(runs, (r) => r.segments, headers));

  say();
  say('== SSH execs on the directors by kind (both directors): count × median ms, ipvsadm invocations in them');
  const kinds: string[] = [];
  for (const r of runs) for (const k of r.directorExecs) if (!kinds.includes(k.kind)) kinds.push(k.kind);
  print(
    formatTable(
      ['kind', ...headers.slice(1)],
      kinds.map((kind) => [
        kind,
        ...runs.map((r) => {
          const k = r.directorExecs.find((x) => x.kind === kind);
          return k ? `${k.count} × ${ms0(k.medianMs)} ms${k.ipvsadmCalls ? ` (${k.ipvsadmCalls} ipvsadm)` : ''}` : '-';
        }),
      ]),
    ),
  );

  say();
  say("== where the release's wall time goes (ms)");
  print(segmentTable(runs, (r) => r.wall, headers));

  say();
  say(
    '== batches (ms): wall, slowest server out of the pool, the rest; before the first server is out, after the last is back (confirming the restore; cleanup runs beside the next batch)',
  );
  print(
    formatTable(
      ['run', 'batch', 'servers', 'wall', 'slowest out', 'orchestration', 'before first out', 'after last back'],
      runs.flatMap((r) =>
        r.batches.map((b) => [`${r.servers}`, b.index + 1, b.size, b.wallMs, b.slowestOutMs, b.orchestrationMs, b.beforeFirstOutMs, b.afterLastBackMs]),
      ),
    ),
  );

  const loadEnd = load();
  const totalSeconds = Math.round((performance.now() - benchStarted) / 100) / 10;
  say();
  say(`loadavg at end ${loadEnd.join(' ')}; bench took ${totalSeconds} s`);
  say(
    JSON.stringify({
      bench: 'lvs-release-scale',
      at,
      node: process.version,
      cpus: cpus().length,
      loadavg: { start: loadStart, end: loadEnd },
      restartDelayMs: RESTART_DELAY_MS,
      load: LOAD,
      runs: runs.map((r, i) => ({
        servers: r.servers,
        batch: r.batch,
        exitCode: r.exitCode,
        wallMs: Math.round(r.wallMs),
        perBatchMs: r.batches.map((b) => b.wallMs),
        orchestrationMs: r.batches.map((b) => b.orchestrationMs),
        medians: r.medians,
        director: r.director,
        server: r.server,
        peakRssMiB: Math.round(r.peakRssMiB * 10) / 10,
        rssMethod: raw[i]?.release.rssMethod,
        cpuS: r.cpuS,
        maxOut: r.maxOut,
        load: r.load,
        loadavg: raw[i]?.loadavg,
        segments: r.segments,
        wall: r.wall,
        directorExecs: r.directorExecs,
        labCpuS: raw[i]?.labCpuS,
        labEventLoop: raw[i]?.labEventLoop,
        machineCpuS: raw[i]?.machineCpuS,
        validateMs: raw[i]?.validateMs,
      })),
      targets: checkTargets(runs),
      totalSeconds,
    }),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
