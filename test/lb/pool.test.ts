import { describe, expect, it } from 'vitest';
import type { IpvsTable, ServiceKey } from '../../src/ipvs/model.ts';
import { buildPoolState, findDest, findService } from '../../src/lb/pool.ts';
import { poolServerOf } from '../../src/runner/preflight.ts';
import { createFakeCluster, VIP, type FakeCluster, type FakeServerSpec } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';

const WEB1: FakeServerSpec = { name: 'web1', address: '10.0.1.11' };
const WEB2: FakeServerSpec = { name: 'web2', address: '10.0.1.12' };
const FWM: ServiceKey = { kind: 'fwmark', family: 'inet', mark: 10 };

function tables(fc: FakeCluster): Map<string, IpvsTable> {
  return new Map(fc.cluster.directors.map((d) => [d.name, fc.state(d.name).table()]));
}

function poolOf(fc: FakeCluster) {
  return buildPoolState({
    directors: fc.cluster.directors.map((d) => d.name),
    services: fc.cluster.services.map((s) => s.key),
    servers: fc.cluster.realServers.map(poolServerOf),
    tables: tables(fc),
  });
}

const serverPool = (fc: FakeCluster, name: string) => poolOf(fc).servers.find((s) => s.server === name);

describe('buildPoolState', () => {
  it('puts a server present with weight > 0 on every director in the pool, one slot per director', () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: [WEB1, WEB2] });
    const pool = poolOf(fc);
    expect(pool.problems).toEqual([]);
    expect(pool.warnings).toEqual([]);
    const web1 = pool.servers.find((s) => s.server === 'web1');
    expect(web1).toMatchObject({ inPool: true });
    expect(web1?.reason).toBeUndefined();
    expect(web1?.slots.map((s) => [s.director, s.label, s.dest?.weight, s.dest?.forward])).toEqual([
      ['lvs1', 'TCP 10.0.0.100:80', 100, 'Masq'],
      ['lvs2', 'TCP 10.0.0.100:80', 100, 'Masq'],
    ]);
  });

  it('says a server at weight 0 on one director is out, naming the director and service', () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: [WEB1, WEB2] });
    expect(fc.ipvsadm('lvs2', ['-e', '-t', '10.0.0.100:80', '-r', '10.0.1.11:80', '-m', '-w', '0']).exitCode).toBe(0);
    expect(serverPool(fc, 'web1')).toMatchObject({ inPool: false, reason: 'weight 0 in TCP 10.0.0.100:80 on lvs2' });
    expect(serverPool(fc, 'web2')).toMatchObject({ inPool: true });
  });

  it('says a server missing from one director is out, and keeps a null slot for it', () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: [WEB1, WEB2] });
    expect(fc.ipvsadm('lvs1', ['-d', '-t', '10.0.0.100:80', '-r', '10.0.1.12:80']).exitCode).toBe(0);
    const web2 = serverPool(fc, 'web2');
    expect(web2).toMatchObject({ inPool: false, reason: 'missing from TCP 10.0.0.100:80 on lvs1' });
    expect(web2?.slots.find((s) => s.director === 'lvs1')?.dest).toBeNull();
  });

  it('says a server no director lists is in no service', () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: [WEB1, WEB2] });
    for (const d of ['lvs1', 'lvs2']) fc.ipvsadm(d, ['-d', '-t', '10.0.0.100:80', '-r', '10.0.1.12:80']);
    expect(serverPool(fc, 'web2')).toMatchObject({ inPool: false, reason: '10.0.1.12 is in no configured service on any director', slots: [] });
  });

  it('reports a configured service missing on a director as a problem', () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: [WEB1] });
    expect(fc.ipvsadm('lvs2', ['-D', '-t', '10.0.0.100:80']).exitCode).toBe(0);
    expect(poolOf(fc).problems).toEqual(['service TCP 10.0.0.100:80 is not defined on director lvs2']);
  });

  it('reports a director whose table was not read as a problem', () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: [WEB1] });
    const pool = buildPoolState({
      directors: ['lvs1', 'lvs2'],
      services: [VIP],
      servers: fc.cluster.realServers.map(poolServerOf),
      tables: new Map([['lvs1', fc.state('lvs1').table()]]),
    });
    expect(pool.problems).toEqual(['no table was read from director lvs2']);
  });

  it('warns when directors disagree on a weight, without taking the server out', () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: [WEB1, WEB2] });
    fc.ipvsadm('lvs2', ['-e', '-t', '10.0.0.100:80', '-r', '10.0.1.11:80', '-m', '-w', '50']);
    const pool = poolOf(fc);
    expect(pool.warnings).toEqual(['web1: directors disagree on the weight for TCP 10.0.0.100:80 (100 vs 50)']);
    expect(pool.servers.find((s) => s.server === 'web1')?.inPool).toBe(true);
    expect(pool.problems).toEqual([]);
  });

  it('covers every configured service, fwmark included', () => {
    const fc = createFakeCluster({ clock: fakeClock(), services: [VIP, FWM], servers: [WEB1] });
    fc.ipvsadm('lvs1', ['-e', '-f', '10', '-r', '10.0.1.11', '-g', '-w', '0']);
    const web1 = serverPool(fc, 'web1');
    expect(web1?.slots.map((s) => `${s.director} ${s.label}`)).toEqual(['lvs1 TCP 10.0.0.100:80', 'lvs2 TCP 10.0.0.100:80', 'lvs1 FWM 10', 'lvs2 FWM 10']);
    expect(web1).toMatchObject({ inPool: false, reason: 'weight 0 in FWM 10 on lvs1' });
  });
});

describe('findDest', () => {
  const serviceIn = (fc: FakeCluster, key: ServiceKey) => {
    const svc = findService(fc.state('lvs1').table(), key);
    if (!svc) throw new Error('no service');
    return svc;
  };

  it('finds a NAT destination on its mapped port, and not on the service port', () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: [{ ...WEB1, port: 8080 }] });
    const svc = serviceIn(fc, VIP);
    expect(findDest(svc, { name: 'web1', address: '10.0.1.11', port: 8080 })).toMatchObject({ port: 8080, forward: 'Masq' });
    expect(findDest(svc, { name: 'web1', address: '10.0.1.11' })).toBeUndefined();
    expect(findDest(svc, { name: 'web1', address: '10.0.1.11', port: 80 })).toBeUndefined();
  });

  it('lets a per-service destination port win over the server port', () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: [{ ...WEB1, port: 8080 }] });
    const svc = serviceIn(fc, VIP);
    expect(findDest(svc, { name: 'web1', address: '10.0.1.11', port: 80, destinations: [{ service: VIP, port: 8080 }] })).toMatchObject({ port: 8080 });
  });

  it('finds a DR destination on the service port', () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: [{ ...WEB1, forward: 'Route' }, WEB2] });
    const svc = serviceIn(fc, VIP);
    expect(findDest(svc, { name: 'web1', address: '10.0.1.11' })).toMatchObject({ address: '10.0.1.11', port: 80, forward: 'Route' });
    expect(findDest(svc, { name: 'web3', address: '10.0.1.13' })).toBeUndefined();
  });

  it('finds a fwmark destination (listed with port 0) whatever port the server has', () => {
    const fc = createFakeCluster({ clock: fakeClock(), services: [FWM], servers: [{ ...WEB1, forward: 'Route' }] });
    const svc = serviceIn(fc, FWM);
    expect(findDest(svc, { name: 'web1', address: '10.0.1.11', port: 443 })).toMatchObject({ port: 0 });
    expect(findDest(svc, { name: 'web1', address: '10.0.1.11' })).toMatchObject({ port: 0 });
    expect(findDest(svc, { name: 'web2', address: '10.0.1.12' })).toBeUndefined();
  });
});
