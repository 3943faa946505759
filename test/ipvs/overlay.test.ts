import { describe, expect, it } from 'vitest';
import { parseIpvsList } from '../../src/ipvs/list-parse.ts';
import { overlayListing, overlaySave } from '../../src/ipvs/overlay.ts';
import { parseSave } from '../../src/ipvs/save.ts';
import { readFixture } from '../helpers/fixtures.ts';

const list = (name: string) => parseIpvsList(readFixture(`ipvsadm/${name}`));

describe('overlayListing', () => {
  const base = list('list-draining.txt').services;

  it('adds thresholds from --thresholds without touching method or weight', () => {
    const merged = overlayListing(base, list('list-thresholds.txt'));
    expect(merged[0]?.dests[2]).toMatchObject({ address: '10.0.1.13', forward: 'Route', weight: 100, upperThreshold: 5000, lowerThreshold: 4000 });
    expect(merged[0]?.dests[1]).toMatchObject({ weight: 0, upperThreshold: 0 });
    expect(base[0]?.dests[2]?.upperThreshold).toBe(0);
  });

  it('adds PersistConn from --persistent-conn and counters from --stats', () => {
    const merged = overlayListing(overlayListing(base, list('list-persistent-conn.txt')), list('list-stats.txt'));
    expect(merged[1]?.dests.map((d) => d.persistConns)).toEqual([1, 1, 2]);
    expect(merged[1]?.scheduler).toBe('wlc');
    expect(merged[1]?.persistent).toBe(300);
    expect(merged[1]?.stats?.inBytes).toBe(200_000_000_000_000n);
    expect(merged[1]?.dests[0]?.stats?.inPkts).toBe(99_999_999n);
  });

  it('keeps the base membership', () => {
    const merged = overlayListing(list('list-dr-two-services.txt').services, list('list-thresholds.txt'));
    expect(merged).toHaveLength(2);
  });
});

describe('overlaySave', () => {
  it('adds tunnel settings that only -S shows', () => {
    const listing = parseIpvsList(
      [
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        'TCP  10.0.0.200:80 rr',
        '  -> 10.0.1.21:80                 Tunnel  3      0          0         ',
        '',
      ].join('\n'),
    );
    const saved = parseSave('-A -t 10.0.0.200:80 -s rr\n-a -t 10.0.0.200:80 -r 10.0.1.21:80 -i -w 3 --tun-type gue --tun-port 6080 --tun-csum\n');
    expect(overlaySave(listing.services, saved)[0]?.dests[0]).toMatchObject({
      forward: 'Tunnel',
      weight: 3,
      tunnelType: 'gue',
      tunnelPort: 6080,
      tunnelChecksum: 'csum',
    });
  });
});
