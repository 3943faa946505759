import { describe, expect, it } from 'vitest';
import { compareKeepalivedPair, type PairComparison } from '../../src/keepalived/compare.ts';
import { parseKeepalivedConf } from '../../src/keepalived/parse.ts';
import { readFixture } from '../helpers/fixtures.ts';

const side = (name: string, text: string) => ({ name, parsed: parseKeepalivedConf(text) });
const fixturePair = (pair: string) =>
  compareKeepalivedPair(side('master', readFixture(`keepalived/pair-${pair}-master.conf`)), side('backup', readFixture(`keepalived/pair-${pair}-backup.conf`)));
const mismatches = (r: PairComparison) => r.differences.filter((d) => d.kind === 'mismatch').map((d) => d.message);

const vrrp = (lines: string[]) => ['vrrp_instance VI {', ' virtual_router_id 51', ' advert_int 1', ...lines.map((l) => ` ${l}`), '}', ''].join('\n');

describe('compareKeepalivedPair', () => {
  it('finds only the allowed differences in pair A', () => {
    const result = fixturePair('a');
    expect(result.consistent).toBe(true);
    expect(result.errors).toEqual([]);
    expect(result.differences.map((d) => [d.kind, d.where, d.what, d.a, d.b])).toEqual([
      ['allowed', 'global_defs', 'router_id', 'router_id lvs-a', 'router_id lvs-b'],
      ['allowed', 'vrrp_instance VI_WEB', 'state', 'state MASTER', 'state BACKUP'],
      ['allowed', 'vrrp_instance VI_WEB', 'priority', 'priority 150', 'priority 100'],
    ]);
  });

  it('finds the broken brace of pair C and what keepalived would run differently because of it', () => {
    const result = fixturePair('c');
    expect(result.consistent).toBe(false);
    expect(result.errors.map((e) => [e.director, e.diagnostic.line, e.diagnostic.message])).toContainEqual([
      'backup',
      71,
      "There are 1 missing '}'s or extra '{'s",
    ]);
    expect(mismatches(result)).toEqual([
      'virtual_server 172.16.0.100 80 › real_server 192.168.50.11 8080 › HTTP_GET #1: `connect_timeout 2` on master, absent on backup',
      'virtual_server 172.16.0.100 80 › real_server 192.168.50.11 8080 › HTTP_GET #1: `retry 2` on master, absent on backup',
      'virtual_server 172.16.0.100 80 › real_server 192.168.50.11 8080 › HTTP_GET #1: `delay_before_retry 1` on master, absent on backup',
      'virtual_server 172.16.0.100 80 › real_server 192.168.50.11 8080: absent on master, `HTTP_GET #2` on backup',
      'virtual_server 172.16.0.100 80: `real_server 192.168.50.12 8080` on master, absent on backup',
    ]);
    expect(result.differences.filter((d) => d.kind === 'allowed').map((d) => d.what)).toEqual(['router_id', 'state', 'priority', 'state', 'priority']);
  });

  it('requires the VRRP identity, authentication and VIPs to match', () => {
    const a = vrrp(['priority 150', 'authentication {', ' auth_pass one', '}', 'virtual_ipaddress {', ' 10.0.0.100/32', '}']);
    const b = vrrp(['priority 100', 'advert_int 2', 'authentication {', ' auth_pass two', '}', 'virtual_ipaddress {', ' 10.0.0.101/32', '}']);
    expect(mismatches(compareKeepalivedPair(side('a', a), side('b', b)))).toEqual([
      'vrrp_instance VI: `advert_int 1` on a, `advert_int 2` on b',
      'vrrp_instance VI › authentication: `auth_pass one` on a, `auth_pass two` on b',
      'vrrp_instance VI › virtual_ipaddress: `10.0.0.100/32` on a, absent on b',
      'vrrp_instance VI › virtual_ipaddress: absent on a, `10.0.0.101/32` on b',
    ]);
  });

  it('accepts mirrored unicast peers and a different interface, and rejects unmirrored ones', () => {
    const a = vrrp(['interface eth0', 'unicast_src_ip 10.0.0.2', 'unicast_peer {', ' 10.0.0.3', '}']);
    const b = vrrp(['interface ens3', 'unicast_src_ip 10.0.0.3', 'unicast_peer {', ' 10.0.0.2', '}']);
    const good = compareKeepalivedPair(side('a', a), side('b', b));
    expect(good.consistent).toBe(true);
    expect(good.differences.map((d) => d.what)).toContain('interface');
    const c = vrrp(['unicast_src_ip 10.0.0.3', 'unicast_peer {', ' 10.0.0.9', '}']);
    expect(mismatches(compareKeepalivedPair(side('a', a), side('c', c)))).toEqual([
      expect.stringMatching(
        /^vrrp_instance VI: unicast_src_ip\/unicast_peer are not mirrored \(a: src 10\.0\.0\.2, peers 10\.0\.0\.3; c: src 10\.0\.0\.3, peers 10\.0\.0\.9\)$/,
      ),
    ]);
  });

  it('allows the `dev` (and `label`) of a virtual_ipaddress entry to differ, never its address or other words', () => {
    const vip = (entry: string) => vrrp(['virtual_ipaddress {', ` ${entry}`, '}']);
    const devs = compareKeepalivedPair(side('a', vip('10.0.0.100/32 dev eth0 label eth0:vip')), side('b', vip('10.0.0.100/32 dev ens3 label ens3:vip')));
    expect(devs.consistent).toBe(true);
    expect(devs.differences.map((d) => [d.kind, d.where])).toEqual([['allowed', 'vrrp_instance VI › virtual_ipaddress']]);
    expect(mismatches(compareKeepalivedPair(side('a', vip('10.0.0.100/32 dev eth0')), side('b', vip('10.0.0.100/24 dev eth0'))))).toHaveLength(2);
    expect(mismatches(compareKeepalivedPair(side('a', vip('10.0.0.100/32 dev eth0')), side('b', vip('10.0.0.100/32 dev eth0 scope host'))))).toHaveLength(1);
  });

  it('allows a different sync daemon interface but not a different sync id', () => {
    const conf = (line: string) => `global_defs {\n ${line}\n}\n`;
    expect(compareKeepalivedPair(side('a', conf('lvs_sync_daemon eth1 VI id 51')), side('b', conf('lvs_sync_daemon eth2 VI id 51'))).consistent).toBe(true);
    const differentId = compareKeepalivedPair(side('a', conf('lvs_sync_daemon eth1 VI id 51')), side('b', conf('lvs_sync_daemon eth1 VI id 52')));
    expect(mismatches(differentId)).toEqual([expect.stringContaining('lvs_sync_daemon instance/id differ')]);
    const missing = compareKeepalivedPair(side('a', conf('lvs_sync_daemon eth1 VI')), side('b', conf('router_id b')));
    expect(mismatches(missing)).toEqual(['global_defs: `lvs_sync_daemon eth1 VI` on a, absent on b']);
  });

  it('compares a real server weight and compares statements by their last occurrence', () => {
    const vs = (weight: string) => `virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n  ${weight}\n }\n}\n`;
    expect(mismatches(compareKeepalivedPair(side('a', vs('weight 5')), side('b', vs('weight 1\n  weight 5'))))).toEqual([]);
    expect(mismatches(compareKeepalivedPair(side('a', vs('weight 5')), side('b', vs('weight 6'))))).toEqual([
      'virtual_server 10.0.0.1 80 › real_server 10.0.1.1 80: `weight 5` on a, `weight 6` on b',
    ]);
  });
});
