// SPEC invariant 8 on the lab, under load through the VIP: `kill -9` of the release process at
// points spread over every step, then a plain `release recover` (it takes over the lock of a
// holder that died on this host, and records it) brings every server to one release, in the pool
// on both directors, with no failed request and never more than the batch out; a second
// `recover` changes nothing.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './child.ts';
import {
  appIds,
  currentReleases,
  eventsOf,
  failuresOf,
  isMutatingIpvsadm,
  lockDirOf,
  lockHeld,
  recordDirectors,
  saveListings,
  startCheckedLab,
  type E2eLab,
} from './harness.ts';

const SERVERS = 4;
const BATCH = 2;

/** A kill point: the line of the CI log after which the release process is killed. Batch 1 is
 * web1+web2 (their prepare runs first), batch 2 is web3+web4 (prepared ahead, during batch 1). */
type KillPoint = readonly [name: string, line: RegExp];

// Four groups, one lab each: a group's points run one after another on its lab, each starting
// a new release from wherever the previous point's recover left the cluster (one release).
const GROUPS: Record<string, KillPoint[]> = {
  'prepare and drain': [
    ['prepare: first step started', / web1 prepare #0 started/],
    ['prepare: upload finished', / web1 prepare #1 ok/],
    ['drain: quiesce sent', / web1 quiesce on lvs\d .*…/],
    ['drain: quiesced on a director', / web2 quiesce on lvs\d .* done/],
    ['drain: waiting for connections', / web1 waiting: /],
  ],
  'drained and deploy': [
    ['drain: drained', / web2 drained in /],
    ['drain: delete sent', / web1 delete on lvs\d .*…/],
    ['drain: deleted on a director', / web2 delete on lvs\d .* done/],
    ['deploy: switch intent recorded', / web1 switching release /],
    ['deploy: current switched', / web2 deploy #0 ok/],
  ],
  'restart, verify and restore': [
    ['deploy: restart in flight', / web1 deploy #1 started/],
    ['deploy: switched', / web2 switched release /],
    ['verify: smoke ok', / web1 smoke ok/],
    ['restore: back on lvs1 (the MASTER), not yet journaled', / web2 add on lvs1 .* done/],
    ['restore: restored', / web1 restored on /],
  ],
  'cleanup and batch 2': [
    ['cleanup: started', / web2 cleanup #0 started/],
    ['batch 1 finished', / batch 1 finished/],
    ['batch 2: waiting for connections', / web3 waiting: /],
    ['batch 2: restart in flight', / web4 deploy #1 started/],
    ['run finished, lock still held', / finished: released \(exit 0\)/],
  ],
};

const everyServer = <T>(value: T) => Array<T>(SERVERS).fill(value);

function expectAllInPool(e: E2eLab): void {
  for (const [director, weights] of Object.entries(e.weights())) {
    expect(Object.values(weights), `weights on ${director}`).toEqual(everyServer(100));
  }
}

/** Every server on the same release: the running app's version and `current` agree (artifacts carry their id as version). */
async function theOneRelease(e: E2eLab): Promise<string> {
  const running = Object.values(e.versions());
  const current = Object.values(await currentReleases(e));
  expect(new Set(running).size, `running ${running.join(',')}`).toBe(1);
  expect(current, 'current links').toEqual(running);
  return running[0] as string;
}

describe.concurrent('kill -9 of a release (--batch 2 on 4 servers), then recover', () => {
  for (const [group, points] of Object.entries(GROUPS)) {
    describe(group, { concurrent: false }, () => {
      let e: E2eLab;
      let round = 0;
      beforeAll(async () => {
        // Short IPVS timeouts and a slower poll: the same steps with fewer table reads.
        e = await startCheckedLab({ servers: SERVERS, timeScale: 0.002, drain: { poll: '250ms' } });
      }, 120_000);
      afterAll(async () => {
        await e?.close();
      });

      it.each(points)(
        'killed at "%s"',
        async (_name, line) => {
          round++;
          const cwd = e.dir;
          const before = await theOneRelease(e);
          const id = `g${Object.keys(GROUPS).indexOf(group)}r${round}`;
          const artifact = await e.artifact(id);
          const load = e.startLoad();

          const release = startCli(['-c', e.config, '--artifact', artifact, '--release-id', id, '--batch', String(BATCH)], { cwd });
          await release.waitForLine(line);
          release.kill('SIGKILL');
          const killed = await release.wait();
          // The last point may see the process end on its own first (it only releases the lock).
          if (killed.signal !== 'SIGKILL') expect(killed.code, killed.stdout).toBe(0);

          const lockLeft = e.lab.directors.filter((d) => existsSync(lockDirOf(e, d.name))).map((d) => d.name);
          const takenBefore = eventsOf(e, 'warning').filter((w) => w.code === 'LOCK_TAKEN_OVER').length;
          const recover = await e.cli(['recover', '-c', e.config]);
          expect(recover.code, recover.stdout + recover.stderr).toBe(0);
          // Killed while holding the lock: recover took it over from the dead pid, where it was held, recorded.
          const taken = eventsOf(e, 'warning')
            .filter((w) => w.code === 'LOCK_TAKEN_OVER')
            .slice(takenBefore);
          if (lockLeft.length > 0) {
            expect(taken.map((w) => w.director).sort()).toEqual(lockLeft.sort());
            for (const w of taken) expect(w.message).toContain(`pid ${release.pid}`);
          }
          expectAllInPool(e);
          const after = await theOneRelease(e);
          expect([before, id]).toContain(after);
          expect(await lockHeld(e)).toBe(false);

          // A second recover (plain: the first released the lock) finds nothing to do and changes nothing.
          const tables = saveListings(e);
          const ids = appIds(e);
          const recorder = recordDirectors(e);
          const again = await e.cli(['recover', '-c', e.config]);
          recorder.stop();
          expect(again.code, again.stdout + again.stderr).toBe(0);
          expect(again.stdout).toMatch(/recovered 0 server\(s\); 4 needed nothing/);
          expect(recorder.commands.filter((c) => isMutatingIpvsadm(c.argv))).toEqual([]);
          expect(recorder.changes).toEqual([]);
          expect(saveListings(e)).toEqual(tables);
          expect(appIds(e)).toEqual(ids);
          expect(await theOneRelease(e)).toBe(after);

          const traffic = await load.stop();
          expect(failuresOf(traffic), `${traffic.errorSamples.join('; ')} VIP ${JSON.stringify(e.lab.vip.counters())}`).toEqual({});
          expect(traffic.ok).toBeGreaterThan(0);
          expect(e.maxOut()).toBeLessThanOrEqual(BATCH);
        },
        240_000,
      );
    });
  }
});

describe('recover on a cluster that needs nothing', () => {
  let e: E2eLab | undefined;
  afterAll(async () => {
    await e?.close();
  });

  it('after a completed `release rollback --to v1`, recover changes nothing (0 servers, no director change, no restart)', async () => {
    e = await startCheckedLab({ servers: SERVERS, timeScale: 0.002, drain: { poll: '250ms' } });
    const artifact = await e.artifact('v2');
    const load = e.startLoad();
    const release = await e.release(['--artifact', artifact, '--release-id', 'v2', '--batch', String(BATCH)]);
    expect(release.code, release.stdout + release.stderr).toBe(0);
    const rollback = await e.cli(['rollback', '-c', e.config, '--to', 'v1', '--batch', String(BATCH)]);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expect(await theOneRelease(e)).toBe('v1');

    const tables = saveListings(e);
    const ids = appIds(e);
    const recorder = recordDirectors(e);
    const recover = await e.cli(['recover', '-c', e.config]);
    recorder.stop();
    expect(recover.code, recover.stdout + recover.stderr).toBe(0);
    expect(await theOneRelease(e)).toBe('v1');
    expect(recover.stdout).toMatch(/recovered 0 server\(s\); 4 needed nothing/);
    expect(recorder.commands.filter((c) => isMutatingIpvsadm(c.argv))).toEqual([]);
    expect(saveListings(e)).toEqual(tables);
    expect(appIds(e)).toEqual(ids);
    expectAllInPool(e);
    const traffic = await load.stop();
    expect(failuresOf(traffic), traffic.errorSamples.join('; ')).toEqual({});
    expect(e.maxOut()).toBeLessThanOrEqual(BATCH);
  }, 240_000);
});
