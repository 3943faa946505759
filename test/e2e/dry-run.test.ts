// SPEC "The release" 6 on the lab, under load through the VIP: `--dry-run` and `release plan` read
// the real state, print the plan and the mutating commands per host, and change nothing at all.
import { afterEach, describe, expect, it } from 'vitest';
import { renderIpvsList } from '../../src/ipvs/list-render.ts';
import {
  failuresOf,
  hashServerDirs,
  isMutatingIpvsadm,
  recordDirectors,
  ripOf,
  saveListings,
  startE2eLab,
  vipOf,
  type CliRun,
  type DirectorRecorder,
  type E2eLab,
} from './harness.ts';

let env: E2eLab | undefined;
let recorder: DirectorRecorder | undefined;
afterEach(async () => {
  recorder?.stop();
  recorder = undefined;
  await env?.close();
  env = undefined;
});

/** `ipvsadm -L -n` of every director without the connection counters (load moves them). */
function listings(e: E2eLab): Record<string, string> {
  return Object.fromEntries(
    e.lab.directors.map((d) => [d.name, renderIpvsList(d.state.table()).replace(/^(\s+->\s+\S+\s+\S+\s+\d+)\s+\d+\s+\d+\s*$/gm, '$1')]),
  );
}

async function snapshot(e: E2eLab) {
  return { save: saveListings(e), list: listings(e), versions: e.versions(), weights: e.weights(), dirs: await hashServerDirs(e) };
}

type Invoke = (e: E2eLab, artifact: string) => Promise<CliRun>;

const INVOCATIONS: [string, Invoke][] = [
  ['release --dry-run', (e, artifact) => e.release(['--dry-run', '--artifact', artifact, '--release-id', 'r2', '--batch', '2'])],
  ['release plan', (e, artifact) => e.cli(['plan', '-c', e.config, '--artifact', artifact, '--release-id', 'r2', '--batch', '2'])],
];

/** Runs the dry run under load and checks that nothing changed anywhere; returns its output. */
async function dryRunChangesNothing(e: E2eLab, invoke: Invoke): Promise<CliRun> {
  const artifact = await e.artifact('v2');
  const before = await snapshot(e);
  expect(Object.values(before.versions)).toEqual(Array(6).fill('v1'));
  recorder = recordDirectors(e);
  const load = e.startLoad();
  const result = await invoke(e, artifact);
  const traffic = await load.stop();
  recorder.stop();

  expect(result.code, result.stdout + result.stderr).toBe(0);
  expect(failuresOf(traffic)).toEqual({});
  expect(traffic.ok).toBeGreaterThan(0);
  // Nothing changed: tables (as saved and as listed), versions, weights, every file of every server.
  expect(await snapshot(e)).toEqual(before);
  for (const w of Object.values(e.weights())) expect(Object.values(w)).toEqual(Array(6).fill(100));
  expect(recorder.changes).toEqual([]);
  expect(recorder.commands.length).toBeGreaterThan(0);
  expect(recorder.commands.filter((c) => isMutatingIpvsadm(c.argv))).toEqual([]);
  expect(e.maxOut()).toBe(0);
  return result;
}

describe('dry run on the lab', () => {
  it.each(INVOCATIONS)('%s: changes nothing, prints the plan and the mutating commands per host', async (_name, invoke) => {
    env = await startE2eLab({ servers: 6 });
    const e = env;
    const { stdout } = await dryRunChangesNothing(e, invoke);

    // The plan with the capacity left at every step.
    expect(stdout).toMatch(/plan: 6 of 6 real servers in 3 batches \(--batch 2\); at most 2 out of the pool at once/);
    expect(stdout).toMatch(/^1\s+2\/2\s+4\/6\s+web1, web2$/m);
    expect(stdout).toMatch(/^3\s+2\/2\s+4\/6\s+web5, web6$/m);
    // Per host, the commands that would change it, marked as not executed.
    for (const [k, s] of e.lab.servers.entries()) {
      for (const d of ['lvs1', 'lvs2']) {
        const quiesce = `${d} $ ipvsadm -e -t ${vipOf(e)} -r ${ripOf(e, k)} -m -w 0`;
        expect(stdout, `${d} quiesces ${s.name}`).toContain(quiesce);
      }
      expect(stdout).toMatch(new RegExp(`^\\S+ ${s.name} \\$ .*ln -sfn releases/r2 \\.current\\.tmp.*\\[dry run: not executed\\]$`, 'm'));
      expect(stdout).toMatch(new RegExp(`^\\S+ ${s.name} \\$ app-ctl restart \\[dry run: not executed\\]$`, 'm'));
      expect(stdout).toMatch(new RegExp(`^\\S+ ${s.name} \\$ sftp put \\S+v2\\.tar\\.gz app/releases/r2\\.tar\\.gz`, 'm'));
    }
    expect(stdout).toContain('[dry run] nothing was changed');
    // Every command line shown for a host is marked as not run (the smoke checks as `[dry run] GET …`).
    expect(stdout).not.toMatch(/^\S+ (lvs\d|web\d) \$ (?!\[dry run\] GET )(?!.*\[dry run: not executed\]$)/m);
  });

  it('--dry-run lists the exact ipvsadm commands a real run sends: quiesce, delete once drained, re-add', async () => {
    env = await startE2eLab({ servers: 6 });
    const e = env;
    const { stdout } = await dryRunChangesNothing(e, INVOCATIONS[0]?.[1] as Invoke);
    for (const [k, s] of e.lab.servers.entries()) {
      for (const d of ['lvs1', 'lvs2']) {
        const commands = stdout
          .split('\n')
          .filter((l) => l.includes(` ${d} $ ipvsadm `) && l.includes(` -r ${ripOf(e, k)}`))
          .map((l) => l.replace(/^.* \$ ipvsadm (-[eda]).*?(-w \d+)?( -x.*)? \[dry run: not executed\]$/, '$1 $2').trim());
        // What the default pipeline (drain method ipvsadm) runs for real: see methods.test.ts.
        expect(commands, `${d} ${s.name}`).toEqual(['-e -w 0', '-d', '-a -w 100']);
      }
    }
  });
});
