// The API's types as a TypeScript user sees them (issue 12 item 7): the declarations tsc emits for
// the package (as `npm pack` does), and a small consumer compiled against them with `lvs-release`
// mapped to the emitted index.d.ts. Wrong uses marked @ts-expect-error must stay errors, so the
// types cannot silently fall back to `any`.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
let dir: string;

beforeAll(async () => {
  // Inside the checkout's node_modules, so the declarations resolve zod, commander … as an installed package's do.
  const cache = join(repo, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  dir = await mkdtemp(join(cache, 'lvs-api-types-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CONSUMER = `
import {
  EXIT, OUTPUT_SCHEMA_VERSION, ReleaseError, plan, recover, release, rollback, status, validate, history, doctor, windows,
  type ErrorEvent, type HistoryDocument, type Plan, type ReleaseEvent, type ReleaseOptions, type ReleaseResult, type RunApiResult,
  type RunOutcome, type RunReport, type StatusDocument, type WindowsDocument,
} from 'lvs-release';

const events: ReleaseEvent[] = [];
const options: ReleaseOptions = {
  config: 'release.yaml',
  artifact: 'dist/app.tar.gz',
  batch: '1,25%',
  canary: 1,
  limit: ['web1*'],
  signal: new AbortController().signal,
  onEvent: (event) => {
    events.push(event);
    if (event.type === 'run-finished') {
      const code: number = event.exitCode;
      const outcome: RunOutcome = event.outcome;
      console.log(code, outcome);
    }
    if (event.type === 'server-finished') console.log(event.server, event.releaseAfter);
    // @ts-expect-error: a smoke event has no exitCode
    if (event.type === 'smoke') console.log(event.exitCode);
  },
};
const result: ReleaseResult = await release(options);
const exit: number = result.exitCode;
const report: RunReport | null = result.report;
const thePlan: Plan | null = result.plan;
if (result.error instanceof ReleaseError) console.log(result.error.code, result.error.hint, result.error.exitStatus);
if (result.window && !result.window.allowed) console.log(result.window.nextAllowed, result.window.blockers[0]?.name);
console.log(exit, report?.servers[0]?.outOfPoolMs, thePlan?.batches.length, EXIT.refused, OUTPUT_SCHEMA_VERSION);

const dry: ReleaseResult = await plan({ config: 'release.yaml', limit: ['web2'] });
const undo: RunApiResult = await rollback({ to: '20261124T020000Z', batch: 2, limit: ['web1'] });
const repaired: RunApiResult = await recover({ breakLock: true });
console.log(dry.outcome, undo.outcome, repaired.runId);

const checked = await validate({ config: 'release.yaml' });
if (checked.ok) console.log(checked.document.cluster.name, checked.pipeline.drain.method);
else console.log(checked.problems[0]?.line);

const pool: StatusDocument = await status({ env: { RELEASE_CONFIG: 'eu.yaml' } });
const past: HistoryDocument = await history();
const when: WindowsDocument = await windows({ at: new Date(), trigger: 'schedule' });
const health = await doctor();
console.log(pool.servers[0]?.inPool, past.runs[0]?.outcome, when.allowed, health.findings.length);

const error: ErrorEvent = { schemaVersion: 1, type: 'error', code: 'PEAK_WINDOW', message: 'm', hint: null, details: {}, exitCode: 3, at: '' };
console.log(error);

// @ts-expect-error: batch is a string or a number
await release({ batch: true });
// @ts-expect-error: a trigger is ci, manual or schedule
await windows({ trigger: 'cron' });
// @ts-expect-error: the result's exit code is a number, not a string
const wrong: string = result.exitCode;
console.log(wrong);
`;

it('a consumer compiles against the emitted declarations, and misuses are type errors', async () => {
  const types = join(dir, 'types');
  const emit = await run(process.execPath, [tsc, '-p', join(repo, 'tsconfig.build.json'), '--outDir', types, '--emitDeclarationOnly'], { cwd: repo }).catch(
    (e: { stdout: string; stderr: string }) => e,
  );
  expect(emit.stdout + emit.stderr, 'declarations are emitted without errors').toBe('');
  const project = join(dir, 'consumer');
  await mkdir(project, { recursive: true });
  await writeFile(join(project, 'consumer.ts'), CONSUMER);
  await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
  const compilerOptions = {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2023',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
    typeRoots: [join(repo, 'node_modules', '@types')],
    paths: { 'lvs-release': [join(types, 'index.d.ts')] },
  };
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
  const result = await run(process.execPath, [tsc, '-p', project], { cwd: project }).catch((e: { stdout: string; stderr: string }) => e);
  expect(result.stdout + result.stderr).toBe('');
}, 120_000);
