import { describe, expect, it } from 'vitest';
import { findRealServer, findVirtualServer, serviceKeysOf } from '../../src/keepalived/lookup.ts';
import { parseKeepalivedConf } from '../../src/keepalived/parse.ts';
import type { ServiceKey } from '../../src/ipvs/model.ts';

const tcp = (address: string, port: number): ServiceKey => ({ kind: 'addr', protocol: 'tcp', family: 'inet', address, port });

describe('keepalived lookups', () => {
  const { config } = parseKeepalivedConf(
    [
      'virtual_server_group WEB {',
      ' 10.0.0.10-12 80',
      ' fwmark 9',
      '}',
      'virtual_server group WEB {',
      ' real_server 10.0.1.1 8080 {',
      ' }',
      '}',
      'virtual_server 10.0.0.100 53 {',
      ' protocol UDP',
      ' real_server 10.0.1.1 53 {',
      ' }',
      ' real_server 10.0.1.2 5353 {',
      ' }',
      '}',
    ].join('\n'),
  );

  it('expands virtual_server_group entries, ranges and fwmarks included', () => {
    const group = config.virtualServers[0];
    expect(group && serviceKeysOf(group, config)).toEqual([
      tcp('10.0.0.10', 80),
      tcp('10.0.0.11', 80),
      tcp('10.0.0.12', 80),
      { kind: 'fwmark', family: 'inet', mark: 9 },
    ]);
    expect(findVirtualServer(config, tcp('10.0.0.11', 80))).toBe(group);
  });

  it('keys a virtual server by its protocol', () => {
    expect(findVirtualServer(config, { kind: 'addr', protocol: 'udp', family: 'inet', address: '10.0.0.100', port: 53 })).toBe(config.virtualServers[1]);
    expect(findVirtualServer(config, tcp('10.0.0.100', 53))).toBeUndefined();
  });

  it('finds a real server by address and port, else by its address alone when unambiguous', () => {
    const vs = config.virtualServers[1];
    if (!vs) throw new Error('fixture');
    expect(findRealServer(vs, { family: 'inet', address: '10.0.1.1', port: 53 })?.port).toBe(53);
    expect(findRealServer(vs, { family: 'inet', address: '10.0.1.2', port: 53 })?.port).toBe(5353);
    expect(findRealServer(vs, { family: 'inet', address: '10.0.1.3', port: 53 })).toBeUndefined();
  });
});
