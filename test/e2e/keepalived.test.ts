// Issue 11 item 3 on the lab: keepalived-managed directors (the lab's checker, keepalived.conf on
// each director) and the healthfile drain. With inhibit_on_failure on both directors: a clean
// drain under load. Without it on one director: refused at preflight naming the director, the
// file and the line. With drain.allowHardCut: the release runs and every cut is counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { holdConnections, type HeldConnections } from '../../src/lab/net/hold.ts';
import { control } from '../lab/lab-support.ts';
import { failuresOf, journalEvents, startCheckedLab, trafficDiagnosis, writeClusterVariant, type E2eLab } from './harness.ts';

let e: E2eLab;
let held: HeldConnections | undefined;

beforeAll(async () => {
  e = await startCheckedLab({ servers: 4, checker: 'inhibit', pipeline: 'healthfile' });
});
afterAll(async () => {
  await held?.close();
  await e?.close();
});

function lastRun() {
  const events = journalEvents(e);
  return events.slice(events.findLastIndex((x) => x.type === 'run-started'));
}

describe('keepalived at release time', () => {
  it('inhibit_on_failure on both directors: a clean healthfile drain under load, nothing cut', async () => {
    const v2 = await e.artifact('v2');
    const load = e.startLoad({ concurrency: 3 });
    const result = await e.release(['--artifact', v2, '--release-id', 'r2', '--batch', '2']);
    const traffic = await load.stop();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(failuresOf(traffic), trafficDiagnosis(e, traffic)).toEqual({});
    expect(Object.values(e.versions())).toEqual(Array(4).fill('v2'));
    const events = lastRun();
    expect(
      events.filter((x) => x.type === 'warning' && (x.code === 'HARD_CUT' || x.code === 'HEALTHFILE_UNCHECKED' || x.code === 'KEEPALIVED_UNREADABLE')),
    ).toEqual([]);
    expect(events.filter((x) => x.type === 'server-drained').every((x) => x.type === 'server-drained' && x.hardCut === undefined)).toBe(true);
  });

  it('inhibit_on_failure missing on lvs2: refused (exit 3) naming lvs2, its keepalived.conf and the line; nothing drained', async () => {
    expect((await control(e.lab, '/keepalived', { host: 'lvs2', variant: 'delete' })).status).toBe(200);
    const points = e.lab.timeline.points().length;
    const v3 = await e.artifact('v3');
    const result = await e.release(['--artifact', v3, '--release-id', 'r3', '--batch', '2']);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stderr).toMatch(
      /keepalived\.conf \(etc\/keepalived\/keepalived\.conf\) on lvs2: real servers of TCP 127\.0\.0\.1:\d+ lack inhibit_on_failure \(web1 \(line \d+\), web2 \(line \d+\), web3 \(line \d+\), web4 \(line \d+\)\)/,
    );
    expect(result.stderr).toMatch(/\[etc\/keepalived\/keepalived\.conf:\d+\]/);
    expect(result.stderr).toContain('drain.allowHardCut: true');
    expect(
      e.lab.timeline
        .points()
        .slice(points)
        .flatMap((p) => p.outServers),
    ).toEqual([]);
  });

  it('with drain.allowHardCut: keepalived deletes each server, and the connections it cut are counted and reported', async () => {
    // The routing director (the MASTER) deletes too, so the cut connections are its own.
    expect((await control(e.lab, '/keepalived', { host: 'lvs1', variant: 'delete' })).status).toBe(200);
    const pipeline = parse(await readFile(join(e.lab.dir, 'pipeline.yaml'), 'utf8')) as { drain: Record<string, unknown> };
    pipeline.drain.allowHardCut = true;
    await writeFile(join(e.lab.dir, 'pipeline-cut.yaml'), stringify(pipeline));
    const config = await writeClusterVariant(e, 'release-cut.yaml', { pipeline: './pipeline-cut.yaml' });
    held = await holdConnections({ url: e.lab.vip.url, count: 8, mode: 'idle' });
    expect(held.opened).toBe(8);
    const v3 = await e.artifact('v3');
    const result = await e.cli(['-c', config, '--artifact', v3, '--release-id', 'r3', '--batch', '2']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const events = lastRun();
    const cuts = events.flatMap((x) => (x.type === 'warning' && x.code === 'HARD_CUT' && x.server ? [x] : []));
    expect(cuts.length).toBeGreaterThanOrEqual(4);
    const drained = events.flatMap((x) => (x.type === 'server-drained' ? [x] : []));
    expect(drained.every((x) => x.hardCut !== undefined)).toBe(true);
    // The held connections were live on the MASTER when keepalived deleted their servers.
    expect(drained.reduce((n, x) => n + (x.hardCut ?? 0), 0)).toBeGreaterThanOrEqual(1);
    expect(cuts.some((c) => /[1-9]\d* live connection\(s\) cut/.test(c.message))).toBe(true);
    expect(result.stdout).toMatch(/live connection\(s\) cut/);
    await held.close();
    held = undefined;
  });
});
