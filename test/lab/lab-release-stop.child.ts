// Child process of lab-exit.test.ts: a lab in this process, a release through the CLI (in-process)
// under load through the VIP, then the load stopped and the lab right after it. Prints `lab
// stopped` once everything is closed; the test then waits for this process to end by itself.
// Usage: node lab-release-stop.child.ts WORKDIR [off|inhibit|delete]  (the directors' checker)
import { join } from 'node:path';
import { run } from '../../src/cli.ts';
import { processIo } from '../../src/cli/io.ts';
import { buildArtifact } from '../../src/lab/app/artifact.ts';
import { CHECKER_MODES, startLab, type CheckerMode } from '../../src/lab/lab.ts';
import { runLoad } from '../../src/lab/net/load.ts';

const [work, checker = 'off'] = process.argv.slice(2);
if (!work || !CHECKER_MODES.includes(checker as CheckerMode)) throw new Error('usage: lab-release-stop.child.ts WORKDIR [off|inhibit|delete]');
const io = processIo();
const lab = await startLab({ dir: join(work, 'lab'), servers: 4, timeScale: 0.005, restartDelayMs: 100, checker: checker as CheckerMode });
const artifact = (await buildArtifact({ version: 'v2', out: join(work, 'v2.tar.gz') })).path;
const controller = new AbortController();
const load = runLoad({ url: lab.vip.url, durationMs: 600_000, concurrency: 4, keepAlive: false, requestTimeoutMs: 10_000, signal: controller.signal });
const code = await run(['-c', lab.configPath, '--artifact', artifact, '--batch', '2', '--release-id', 'v2'], { ...io, env: { ...io.env, CI: '1' } });
console.log(`release exit ${code}; VIP ${JSON.stringify(lab.vip.counters())}`);
// As the demo does: the load ends, and the lab stops at once, while the last flows still close.
controller.abort();
const result = await load;
const stopping = performance.now();
await lab.stop();
console.log(`load: ${result.requests} requests, ${result.ok} ok`);
console.log(`lab stopped in ${Math.round(performance.now() - stopping)} ms`);
// What is still open now keeps the process alive: named on stderr for the test's message.
console.error(`still open after stop: ${JSON.stringify(process.getActiveResourcesInfo())}`);
