import { describe, expect, it } from 'vitest';
import { drainedAt, serverFloors } from '../../bench/floor.ts';
import type { TimelinePoint } from '../../src/lab/timeline.ts';
import { createLabTrace, type LabTraceData } from '../../src/lab/trace.ts';

const point = (at: number, outServers: string[], director = 'lvs1'): TimelinePoint => ({ at, director, out: outServers.length, outServers, cause: 'change' });
const trace = (over: Partial<LabTraceData> = {}): LabTraceData => ({ flowEdges: [], execs: [], appCtl: [], appStarts: [], firstOk: [], ...over });

describe('drainedAt', () => {
  const edges: LabTraceData['flowEdges'] = [
    { server: 'web1', at: 100, open: 1 },
    { server: 'web2', at: 150, open: 1 },
    { server: 'web1', at: 180, open: 0 },
    { server: 'web1', at: 300, open: 1 },
    { server: 'web1', at: 420, open: 0 },
  ];

  it('is the quiesce itself when no flow of the server was open then', () => {
    expect(drainedAt(edges, 'web1', 200)).toBe(200);
    expect(drainedAt(edges, 'web3', 200)).toBe(200);
  });

  it('is when the last open flow ended', () => {
    expect(drainedAt(edges, 'web1', 350)).toBe(420);
    expect(drainedAt(edges, 'web1', 120)).toBe(180);
  });

  it('is unknown while a flow is still open at the end of the record', () => {
    expect(drainedAt(edges, 'web2', 200)).toBeUndefined();
  });
});

describe('serverFloors', () => {
  const points = [point(0, []), point(1000, ['web1']), point(1010, ['web1', 'web2']), point(2500, ['web2']), point(2600, [])];
  const data = trace({
    flowEdges: [
      { server: 'web1', at: 900, open: 1 },
      { server: 'web1', at: 1100, open: 0 },
    ],
    appCtl: [
      { server: 'web1', command: 'restart', from: 1400, to: 1720, exitCode: 0 },
      { server: 'web2', command: 'restart', from: 1500, to: 1810, exitCode: 0 },
    ],
    appStarts: [
      { server: 'web1', id: 7, version: 'v2', at: 1710 },
      { server: 'web2', id: 8, version: 'v2', at: 1800 },
    ],
    firstOk: [
      { server: 'web1', id: 3, status: 200, arrivedAt: 50, at: 51 },
      { server: 'web1', id: 7, status: 200, arrivedAt: 1900, at: 1910 },
      { server: 'web2', id: 8, status: 200, arrivedAt: 2000, at: 2005 },
    ],
  });

  it('adds the drain, the restart and the first passing answer, from the lab record alone', () => {
    const { floors, missing } = serverFloors({ servers: ['web1', 'web2'], points, trace: data, since: 0 });
    expect(missing).toEqual([]);
    expect(floors[0]).toMatchObject({
      server: 'web1',
      outAt: 1000,
      backAt: 2500,
      outMs: 1500,
      drainMs: 100,
      restartMs: 310,
      smokeMs: 200,
      floorMs: 610,
      strictFloorMs: 420,
      toRestartMs: 300,
      toBackMs: 590,
    });
    expect(floors[0]?.ratio).toBeCloseTo(1500 / 610);
    expect(floors[1]).toMatchObject({ server: 'web2', outMs: 1590, drainMs: 0, restartMs: 300, smokeMs: 205, floorMs: 505 });
  });

  it('names what is missing instead of guessing', () => {
    const noAnswer = trace({ ...data, firstOk: [] });
    expect(serverFloors({ servers: ['web1', 'web3'], points, trace: noAnswer, since: 0 }).missing).toEqual([
      { server: 'web1', missing: 'a 2xx from the new instance' },
      { server: 'web3', missing: 'an out-of-pool interval on the routing director' },
    ]);
  });

  it('ignores what happened before `since`', () => {
    const earlier = [point(10, ['web1']), point(20, []), ...points];
    expect(serverFloors({ servers: ['web1'], points: earlier, trace: data, since: 500 }).floors[0]?.outAt).toBe(1000);
  });
});

describe('createLabTrace', () => {
  it("keeps only the 0↔1 edges of each server's open flows and the first 2xx of each instance", () => {
    const t = createLabTrace();
    t.flowOpened('web1', 1);
    t.flowOpened('web1', 2);
    t.flowEnded('web1', 3);
    t.flowEnded('web1', 4);
    t.responded({ server: 'web1', id: 5, status: 503, arrivedAt: 5, at: 6 });
    t.responded({ server: 'web1', id: 5, status: 200, arrivedAt: 7, at: 8 });
    t.responded({ server: 'web1', id: 5, status: 200, arrivedAt: 9, at: 10 });
    expect(t.data().flowEdges).toEqual([
      { server: 'web1', at: 1, open: 1 },
      { server: 'web1', at: 4, open: 0 },
    ]);
    expect(t.data().firstOk).toEqual([{ server: 'web1', id: 5, status: 200, arrivedAt: 7, at: 8 }]);
    t.reset();
    expect(t.data()).toEqual({ flowEdges: [], execs: [], appCtl: [], appStarts: [], firstOk: [] });
  });
});
