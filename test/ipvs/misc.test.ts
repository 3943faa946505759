import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS, hasLegacyErrorWording, IPVSADM_1_31, parseTimeouts, parseVersion, renderTimeouts, renderVersion } from '../../src/ipvs/misc.ts';
import { IpvsParseError } from '../../src/ipvs/parse-error.ts';
import { readFixture } from '../helpers/fixtures.ts';

describe('ipvsadm -L --timeout', () => {
  it('reads and renders timeout.txt', () => {
    const text = readFixture('ipvsadm/timeout.txt');
    expect(parseTimeouts(text)).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    expect(renderTimeouts(DEFAULT_TIMEOUTS)).toBe(text);
    expect(renderTimeouts({ tcp: 7200, tcpFin: 5, udp: 0 })).toBe('Timeout (tcp tcpfin udp): 7200 5 0\n');
  });

  it('throws IpvsParseError on anything else', () => {
    expect(() => parseTimeouts('Timeout (tcp tcpfin udp): 900 120\n')).toThrow(IpvsParseError);
  });
});

describe('ipvsadm -v', () => {
  it('reads and renders version.txt', () => {
    const text = readFixture('ipvsadm/version.txt');
    expect(parseVersion(text)).toEqual(IPVSADM_1_31);
    expect(renderVersion(IPVSADM_1_31)).toBe(text);
  });

  it('reads older versions and knows which print the legacy libnl-3 error texts', () => {
    const v = parseVersion('ipvsadm v1.27 2008/5/15 (compiled with popt and IPVS v1.2.1)\n');
    expect(v).toMatchObject({ version: '1.27', date: '2008/5/15' });
    expect(hasLegacyErrorWording(v)).toBe(true);
    expect(hasLegacyErrorWording(IPVSADM_1_31)).toBe(false);
    expect(() => parseVersion('ipvsadm 1.31\n')).toThrow(IpvsParseError);
  });
});
