// Builders for the lab ipvsadm tests: the fixtures' shared scenario (save.txt replayed with -R,
// conn-list.txt as the connection table, list-stats/list-rate as the counters) and small
// connection-table builders.
import { expect } from 'vitest';
import { sameEndpoint, sameServiceKey } from '../../../src/ipvs/address.ts';
import { parseConnList } from '../../../src/ipvs/conn.ts';
import { parseIpvsList } from '../../../src/ipvs/list-parse.ts';
import type { ConnectionEntry, Counters, Endpoint, ServiceKey, VirtualService } from '../../../src/ipvs/model.ts';
import { runIpvsadm } from '../../../src/lab/ipvsadm/cli.ts';
import { createIpvsState } from '../../../src/lab/ipvsadm/state.ts';
import type { IpvsState, IpvsStateOptions, StatsSource } from '../../../src/lab/ipvsadm/state.ts';
import { readFixture } from '../../helpers/fixtures.ts';

/** A ConnectionSource that always returns the same rows. */
export function staticConnections(entries: readonly ConnectionEntry[]) {
  return { entries: () => entries };
}

function lookup(services: readonly VirtualService[], which: 'stats' | 'rate', key: ServiceKey, dest?: Endpoint): Counters | undefined {
  const svc = services.find((s) => sameServiceKey(s.key, key));
  if (!dest) return svc?.[which];
  return svc?.dests.find((d) => sameEndpoint(d, dest))?.[which];
}

/** Counters read back from `--stats` and `--rate` listings, with a record of -Z calls. */
export function statsFromListings(statsText: string, rateText: string): StatsSource & { zeroed: (ServiceKey | undefined)[] } {
  const stats = parseIpvsList(statsText).services;
  const rate = parseIpvsList(rateText).services;
  const zeroed: (ServiceKey | undefined)[] = [];
  return {
    stats: (key, dest) => lookup(stats, 'stats', key, dest),
    rate: (key, dest) => lookup(rate, 'rate', key, dest),
    zero: (key) => void zeroed.push(key),
    zeroed,
  };
}

/** The fixtures' moment: save.txt restored, conn-list.txt as the connection table, their counters. */
export function scenarioState(options: IpvsStateOptions = {}): IpvsState & { stats: ReturnType<typeof statsFromListings> } {
  const stats = statsFromListings(readFixture('ipvsadm/list-stats.txt'), readFixture('ipvsadm/list-rate.txt'));
  const state = createIpvsState({
    connections: staticConnections(parseConnList(readFixture('ipvsadm/conn-list.txt')).entries),
    stats,
    ...options,
  });
  const restored = runIpvsadm(state, ['-R'], readFixture('ipvsadm/save.txt'));
  expect(restored).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  return Object.assign(state, { stats });
}

const endpoint = (text: string): Endpoint => {
  const colon = text.lastIndexOf(':');
  return { family: 'inet', address: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
};

/** `count` flows of one protocol/state from distinct clients to `virtual` → `destination`. */
export function someConns(options: {
  count: number;
  virtual: string;
  destination: string;
  state?: string;
  protocol?: string;
  firstClientPort?: number;
}): ConnectionEntry[] {
  const protocol = options.protocol ?? 'TCP';
  const state = options.state ?? (protocol === 'UDP' ? 'UDP' : 'ESTABLISHED');
  return Array.from({ length: options.count }, (_, i) => {
    const port = (options.firstClientPort ?? 20000) + i;
    return {
      protocol,
      expires: 60,
      state,
      client: { family: 'inet', address: `198.51.100.${1 + (i % 200)}`, port },
      virtual: endpoint(options.virtual),
      destination: endpoint(options.destination),
      template: false,
    };
  });
}
