import { describe, expect, it } from 'vitest';
import { ReleaseError } from '../../src/core/errors.ts';
import {
  addDestCommand,
  connListCommand,
  deleteDestCommand,
  editDestCommand,
  listCommand,
  saveCommand,
  timeoutCommand,
  versionCommand,
} from '../../src/ipvs/commands.ts';
import { parseIpvsList } from '../../src/ipvs/list-parse.ts';
import type { Destination, ServiceKey } from '../../src/ipvs/model.ts';
import { readFixture } from '../helpers/fixtures.ts';

const HTTP: ServiceKey = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 };

function aDest(over: Partial<Destination> = {}): Destination {
  return {
    family: 'inet',
    address: '10.0.1.12',
    port: 80,
    forward: 'Route',
    weight: 100,
    upperThreshold: 0,
    lowerThreshold: 0,
    activeConns: 0,
    inactiveConns: 0,
    persistConns: 0,
    ...over,
  };
}

describe('read-only commands', () => {
  it('always list with -n and never mutate', () => {
    expect(listCommand()).toEqual({ argv: ['ipvsadm', '-L', '-n'], mutates: false });
    expect(listCommand({ service: HTTP, mode: 'persistent-conn', exact: true }).argv).toEqual([
      'ipvsadm',
      '-L',
      '-n',
      '-t',
      '10.0.0.100:80',
      '--persistent-conn',
      '--exact',
    ]);
    expect(listCommand({ service: { kind: 'fwmark', family: 'inet6', mark: 3 }, mode: 'thresholds' }).argv).toEqual([
      'ipvsadm',
      '-L',
      '-n',
      '-f',
      '3',
      '-6',
      '--thresholds',
    ]);
    expect(listCommand({ service: { kind: 'addr', protocol: 'sctp', family: 'inet6', address: '2001:db8::1', port: 3868 }, mode: 'stats' }).argv).toEqual([
      'ipvsadm',
      '-L',
      '-n',
      '--sctp-service',
      '[2001:db8::1]:3868',
      '--stats',
    ]);
    expect(saveCommand()).toEqual({ argv: ['ipvsadm', '-S', '-n'], mutates: false });
    expect(connListCommand()).toEqual({ argv: ['ipvsadm', '-L', '-n', '-c'], mutates: false });
    expect(connListCommand({ persistentConn: true }).argv).toEqual(['ipvsadm', '-L', '-n', '-c', '--persistent-conn']);
    expect([timeoutCommand().mutates, versionCommand().mutates]).toEqual([false, false]);
  });
});

describe('editDestCommand re-sends everything -e would otherwise reset', () => {
  it('NAT: -m, weight and thresholds', () => {
    const dest = aDest({ port: 8080, forward: 'Masq', upperThreshold: 5000, lowerThreshold: 4000 });
    expect(editDestCommand(HTTP, dest, { weight: 0 })).toEqual({
      argv: ['ipvsadm', '-e', '-t', '10.0.0.100:80', '-r', '10.0.1.12:8080', '-m', '-w', '0', '-x', '5000', '-y', '4000'],
      mutates: true,
    });
  });

  it('DR: -g and zero thresholds sent explicitly', () => {
    expect(editDestCommand(HTTP, aDest(), { weight: 100 }).argv).toEqual([
      'ipvsadm',
      '-e',
      '-t',
      '10.0.0.100:80',
      '-r',
      '10.0.1.12:80',
      '-g',
      '-w',
      '100',
      '-x',
      '0',
      '-y',
      '0',
    ]);
  });

  it('tunnels: -i, plus --tun-type and its options unless the default ipip', () => {
    expect(editDestCommand(HTTP, aDest({ forward: 'Tunnel', tunnelType: 'ipip' }), { weight: 5 }).argv).toEqual([
      'ipvsadm',
      '-e',
      '-t',
      '10.0.0.100:80',
      '-r',
      '10.0.1.12:80',
      '-i',
      '-w',
      '5',
      '-x',
      '0',
      '-y',
      '0',
    ]);
    const gue = aDest({ forward: 'Tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'remcsum', upperThreshold: 9 });
    expect(editDestCommand(HTTP, gue, { weight: 0 }).argv).toEqual([
      'ipvsadm',
      '-e',
      '-t',
      '10.0.0.100:80',
      '-r',
      '10.0.1.12:80',
      '-i',
      '--tun-type',
      'gue',
      '--tun-port',
      '6080',
      '--tun-remcsum',
      '-w',
      '0',
      '-x',
      '9',
      '-y',
      '0',
    ]);
  });

  it('Local dests are re-sent as -g; IPv6 and fwmark services name themselves correctly', () => {
    const v6: ServiceKey = { kind: 'addr', protocol: 'udp', family: 'inet6', address: '2001:db8::100', port: 53 };
    expect(editDestCommand(v6, aDest({ family: 'inet6', address: '2001:db8::12', port: 53, forward: 'Local' }), { weight: 1 }).argv).toEqual([
      'ipvsadm',
      '-e',
      '-u',
      '[2001:db8::100]:53',
      '-r',
      '[2001:db8::12]:53',
      '-g',
      '-w',
      '1',
      '-x',
      '0',
      '-y',
      '0',
    ]);
    expect(editDestCommand({ kind: 'fwmark', family: 'inet', mark: 2 }, aDest({ port: 0 }), { weight: 1 }).argv.slice(0, 6)).toEqual([
      'ipvsadm',
      '-e',
      '-f',
      '2',
      '-r',
      '10.0.1.12:0',
    ]);
  });

  it('rejects weights outside 0..65535 or not integers', () => {
    for (const weight of [-1, 65536, 1.5, Number.NaN]) {
      expect(() => editDestCommand(HTTP, aDest(), { weight })).toThrow(ReleaseError);
      expect(() => addDestCommand(HTTP, aDest(), { weight })).toThrow(/0\.\.65535/);
    }
    expect(editDestCommand(HTTP, aDest(), { weight: 65535 }).argv).toContain('65535');
  });
});

describe('addDestCommand and deleteDestCommand', () => {
  it('adds with the method, weight and thresholds read before draining', () => {
    const dest = aDest({ forward: 'Masq', port: 8080, upperThreshold: 1 });
    expect(addDestCommand(HTTP, dest, { weight: 7 })).toEqual({
      argv: ['ipvsadm', '-a', '-t', '10.0.0.100:80', '-r', '10.0.1.12:8080', '-m', '-w', '7', '-x', '1', '-y', '0'],
      mutates: true,
    });
  });

  it('deletes a NAT dest by its listed port (-d does not rewrite it)', () => {
    const nat = parseIpvsList(readFixture('ipvsadm/list-nat-masq.txt')).services[0];
    const dest = nat?.dests[0];
    if (!nat || !dest) throw new Error('list-nat-masq.txt has a first service with dests');
    expect(deleteDestCommand(nat.key, dest)).toEqual({
      argv: ['ipvsadm', '-d', '-t', '172.16.0.100:80', '-r', '192.168.50.11:8080'],
      mutates: true,
    });
  });
});
