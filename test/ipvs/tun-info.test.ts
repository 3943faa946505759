// `ipvsadm -L -n --tun-info`: parsed against the lab's renderer (ipvsadm 1.31's format), every
// TunnelInfo form, and overlaid onto the base table as the directors' reader does.
import { describe, expect, it } from 'vitest';
import { renderTunInfoList } from '../../src/lab/ipvsadm/tun-info.ts';
import type { Destination, IpvsTable, ServiceKey } from '../../src/ipvs/model.ts';
import { overlaySave } from '../../src/ipvs/overlay.ts';
import { parseTunInfoList, parseTunnelInfo } from '../../src/ipvs/tun-info.ts';
import { isIpvsParseError } from '../../src/ipvs/parse-error.ts';

const KEY: ServiceKey = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 };
const dest = (n: number, over: Partial<Destination>): Destination => ({
  family: 'inet',
  address: `10.0.1.${10 + n}`,
  port: 80,
  forward: 'Tunnel',
  weight: 100,
  upperThreshold: 0,
  lowerThreshold: 0,
  activeConns: n,
  inactiveConns: 0,
  persistConns: 0,
  ...over,
});
const TABLE: IpvsTable = {
  connTableSize: 4096,
  services: [
    {
      key: KEY,
      scheduler: 'wlc',
      flags: [],
      ops: false,
      persistent: 300,
      dests: [
        dest(1, { tunnelType: 'ipip' }),
        dest(2, { tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'remcsum' }),
        dest(3, { tunnelType: 'gre', tunnelChecksum: 'csum' }),
        dest(4, { forward: 'Route' }),
      ],
    },
  ],
};

describe('parseTunInfoList', () => {
  it("reads every TunnelInfo form of the lab's (ipvsadm 1.31) listing, with the service's details", () => {
    const [svc] = parseTunInfoList(renderTunInfoList(TABLE));
    expect(svc).toMatchObject({ key: KEY, scheduler: 'wlc', persistent: 300 });
    expect(svc?.dests.map((d) => [d.address, d.forward, d.tunnelType, d.tunnelPort, d.tunnelChecksum, d.weight, d.activeConns])).toEqual([
      ['10.0.1.11', 'Tunnel', 'ipip', undefined, undefined, 100, 1],
      ['10.0.1.12', 'Tunnel', 'gue', 6080, 'remcsum', 100, 2],
      ['10.0.1.13', 'Tunnel', 'gre', undefined, 'csum', 100, 3],
      ['10.0.1.14', 'Route', undefined, undefined, undefined, 100, 4],
    ]);
    // The single-service form (no version line) too.
    expect(parseTunInfoList(renderTunInfoList(TABLE, { service: KEY }))[0]?.dests).toHaveLength(4);
  });

  it('names the line it cannot read', () => {
    expect(parseTunnelInfo('gue:6080:-c')).toEqual({ tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'nocsum' });
    const bad = renderTunInfoList(TABLE).replace('gre:+c', 'vxlan:1');
    try {
      parseTunInfoList(bad);
      expect.unreachable();
    } catch (error) {
      expect(isIpvsParseError(error) && error.reason).toBe('unknown TunnelInfo "vxlan:1"');
    }
    expect(() => parseTunInfoList('Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n')).toThrow(
      /not an ipvsadm -L -n --tun-info title/,
    );
  });

  it('overlays the tunnel settings onto a base table that lacks them', () => {
    const base = TABLE.services.map((s) => ({ ...s, dests: s.dests.map(({ tunnelType: _t, tunnelPort: _p, tunnelChecksum: _c, ...d }) => d) }));
    const [svc] = overlaySave(base, parseTunInfoList(renderTunInfoList(TABLE)));
    expect(svc?.dests[1]).toMatchObject({ tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'remcsum', activeConns: 2 });
  });
});
