import { describe, expect, it } from 'vitest';
import { parseConnList } from '../../src/ipvs/conn.ts';
import { connCountsFor, countConnections } from '../../src/ipvs/conn-count.ts';
import { parseIpvsList } from '../../src/ipvs/list-parse.ts';
import type { ConnectionEntry } from '../../src/ipvs/model.ts';
import { readFixture } from '../helpers/fixtures.ts';

describe('countConnections', () => {
  const entries = parseConnList(readFixture('ipvsadm/conn-list.txt')).entries;

  it('gives the ActiveConn/InActConn/PersistConn of list-draining and list-persistent-conn', () => {
    const draining = parseIpvsList(readFixture('ipvsadm/list-draining.txt'));
    const persistent = parseIpvsList(readFixture('ipvsadm/list-persistent-conn.txt'));
    let checked = 0;
    for (const svc of draining.services) {
      for (const dest of svc.dests) {
        const counts = connCountsFor(entries, svc.key, dest);
        const withPersist = persistent.services
          .find((s) => s.key.kind === 'addr' && svc.key.kind === 'addr' && s.key.port === svc.key.port)
          ?.dests.find((d) => d.address === dest.address);
        expect(counts).toEqual({ active: dest.activeConns, inactive: dest.inactiveConns, persist: withPersist?.persistConns });
        checked++;
      }
    }
    expect(checked).toBe(9);
  });

  it('groups by protocol, virtual and destination in first-seen order', () => {
    const groups = countConnections(entries);
    expect(groups[0]).toEqual({
      protocol: 'TCP',
      virtual: { family: 'inet', address: '10.0.0.100', port: 80 },
      destination: { family: 'inet', address: '10.0.1.13', port: 80 },
      active: 2,
      inactive: 2,
      persist: 0,
    });
    expect(groups.reduce((n, g) => n + g.active + g.inactive + g.persist, 0)).toBe(entries.length);
  });

  it('attributes fwmark templates by mark, and fwmark flows only through the VIPs given', () => {
    const e = (over: Partial<ConnectionEntry>): ConnectionEntry => ({
      protocol: 'TCP',
      expires: 1,
      state: 'ESTABLISHED',
      template: false,
      client: { family: 'inet', address: '192.168.0.6', port: 4000 },
      virtual: { family: 'inet', address: '10.0.0.100', port: 443 },
      destination: { family: 'inet', address: '10.0.0.17', port: 443 },
      ...over,
    });
    const table = [
      e({}),
      e({ state: 'FIN_WAIT' }),
      e({
        protocol: 'IP',
        state: 'NONE',
        template: true,
        client: { family: 'inet', address: '192.168.0.6', port: 0 },
        virtual: { family: 'inet', address: '0.0.0.10', port: 0 },
        destination: { family: 'inet', address: '10.0.0.17', port: 0 },
      }),
    ];
    const fwm = { kind: 'fwmark', family: 'inet', mark: 10 } as const;
    const dest = { family: 'inet', address: '10.0.0.17', port: 0 } as const;
    expect(connCountsFor(table, fwm, dest)).toEqual({ active: 0, inactive: 0, persist: 1 });
    expect(connCountsFor(table, fwm, dest, { fwmarkVirtuals: [{ family: 'inet', address: '10.0.0.100', port: 443 }] })).toEqual({
      active: 1,
      inactive: 1,
      persist: 1,
    });
  });
});
