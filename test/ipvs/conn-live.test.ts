import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CONN_REDUCER_AWK, isLiveState, liveConnections, parseConnGroups } from '../../src/ipvs/conn-live.ts';
import type { ServiceKey } from '../../src/ipvs/model.ts';
import { readFixture } from '../helpers/fixtures.ts';

const reduce = (input: string) => execFileSync('awk', [CONN_REDUCER_AWK], { input, encoding: 'utf8' });
const HTTP: ServiceKey = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 };
const HTTPS: ServiceKey = { ...HTTP, port: 443 };
const DNS: ServiceKey = { kind: 'addr', protocol: 'udp', family: 'inet', address: '10.0.0.100', port: 53 };
const dest = (address: string, port: number) => ({ family: 'inet' as const, address, port });

describe('live connection states', () => {
  it('in NAT, every state that may carry data is live; TIME_WAIT, CLOSE and templates are not', () => {
    for (const state of ['ESTABLISHED', 'SYN_RECV', 'SYN_SENT', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'UDP'])
      expect(isLiveState(state, 'Masq'), state).toBe(true);
    for (const state of ['TIME_WAIT', 'CLOSE', 'NONE']) expect(isLiveState(state, 'Masq'), state).toBe(false);
  });

  it('in DR and TUN, only ESTABLISHED, SYN_RECV and UDP are live (the director sees only inbound packets)', () => {
    for (const forward of ['Route', 'Tunnel'] as const) {
      expect(['ESTABLISHED', 'SYN_RECV', 'UDP'].every((s) => isLiveState(s, forward))).toBe(true);
      expect(['FIN_WAIT', 'TIME_WAIT', 'CLOSE_WAIT', 'CLOSE'].some((s) => isLiveState(s, forward))).toBe(false);
    }
  });
});

describe('the connection table reduced on the director', () => {
  it('groups the fixture by protocol, state, virtual, destination and template, with awk', () => {
    const groups = parseConnGroups(reduce(readFixture('ipvsadm/conn-list.txt')));
    const rows = readFixture('ipvsadm/conn-list.txt').trim().split('\n').length - 2;
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(rows);
    // 10.0.1.12 is quiescent in the fixtures: ESTABLISHED rows are its ActiveConn, the rest InActConn.
    expect(liveConnections(groups, HTTP, dest('10.0.1.12', 80), 'Masq')).toEqual({ live: 3, persist: 0 });
    expect(liveConnections(groups, HTTP, dest('10.0.1.12', 80), 'Route')).toEqual({ live: 1, persist: 0 });
    expect(liveConnections(groups, DNS, dest('10.0.1.12', 53), 'Route')).toEqual({ live: 1, persist: 0 });
    expect(liveConnections(groups, HTTPS, dest('10.0.1.13', 443), 'Masq').persist).toBe(2);
  });

  it('counts a closed NAT connection (TIME_WAIT, CLOSE) as not live', () => {
    const text = [
      'IPVS connection entries',
      'pro expire state       source             virtual            destination',
      'TCP 01:58  TIME_WAIT   198.51.100.1:40000 10.0.0.100:80      10.0.1.11:80',
      'TCP 00:09  CLOSE       198.51.100.1:40001 10.0.0.100:80      10.0.1.11:80',
      'TCP 14:59  ESTABLISHED 198.51.100.1:40002 10.0.0.100:80      10.0.1.11:80',
      '',
    ].join('\n');
    expect(liveConnections(parseConnGroups(reduce(text)), HTTP, dest('10.0.1.11', 80), 'Masq')).toEqual({ live: 1, persist: 0 });
  });

  it("exits 3 when its input is not ipvsadm's listing (ipvsadm failed), and reads an empty table as nothing", () => {
    expect(() => reduce('')).toThrow();
    expect(() => reduce("Can't initialize ipvs: Protocol not available\n")).toThrow();
    expect(parseConnGroups(reduce(readFixture('ipvsadm/conn-list-empty.txt')))).toEqual([]);
  });

  it('refuses a line that is not a group, naming it', () => {
    expect(() => parseConnGroups('3 TCP ESTABLISHED 10.0.0.100:80\n')).toThrow(/line 1/);
  });
});
