// The lab's `ss` against iproute2 6.1's columns and filter language (outputs captured on Linux 6.x).
import { describe, expect, it } from 'vitest';
import { parseSsFilter, type SsSocket } from '../../../src/lab/tools/ss-filter.ts';
import { runSs } from '../../../src/lab/tools/ss-tool.ts';

const sock = (state: SsSocket['state'], local: string, peer: string, sendQ = 0): SsSocket => {
  const ep = (t: string) => ({ address: t.slice(0, t.lastIndexOf(':')), port: t.endsWith(':*') ? 0 : Number(t.slice(t.lastIndexOf(':') + 1)) });
  return { state, recvQ: 0, sendQ, local: ep(local), peer: ep(peer) };
};
const SOCKETS: SsSocket[] = [
  sock('LISTEN', '127.0.1.5:8089', '0.0.0.0:*', 511),
  sock('ESTAB', '127.0.1.5:8089', '127.0.0.1:43768'),
  sock('ESTAB', '127.0.1.5:8089', '127.0.0.1:43756'),
  sock('CLOSE-WAIT', '127.0.1.5:8089', '127.0.0.1:40001'),
  sock('ESTAB', '127.0.1.5:443', '127.0.2.7:5001'),
  sock('ESTAB', '127.0.1.5:22', '127.0.0.1:51000'),
];
const ss = (...argv: string[]) => runSs(SOCKETS, argv);

describe('ss', () => {
  it("answers the engine's count with ss's own -H lines (no State column for one state)", () => {
    expect(ss('-Htn', 'state', 'established', '( sport = :8089 or sport = :443 )')).toEqual({
      stdout: '0      0      127.0.1.5:8089 127.0.0.1:43768\n0      0      127.0.1.5:8089 127.0.0.1:43756\n0      0      127.0.1.5:443  127.0.2.7:5001 \n',
      exitCode: 0,
    });
    expect(ss('-Htn', 'state', 'established', '( sport = :9999 )')).toEqual({ stdout: '', exitCode: 0 });
  });

  it('shows the State column for several states, -l lists listeners, and without -H a header (its spacing approximated)', () => {
    expect(ss('-Htln').stdout).toBe('LISTEN 0      511    127.0.1.5:8089 0.0.0.0:*\n');
    expect(ss('-Htn', '( sport = :8089 )').stdout).toBe(
      'ESTAB      0      0      127.0.1.5:8089 127.0.0.1:43768\nESTAB      0      0      127.0.1.5:8089 127.0.0.1:43756\nCLOSE-WAIT 0      0      127.0.1.5:8089 127.0.0.1:40001\n',
    );
    expect(ss('-tn', 'state', 'established', 'dport = :51000').stdout).toBe(
      'Recv-Q Send-Q Local Address:Port Peer Address:Port  Process\n0      0          127.0.1.5:22      127.0.0.1:51000\n',
    );
  });

  it('filters with and/or/not, src/dst prefixes and port comparisons', () => {
    const count = (...filter: string[]) =>
      String(ss('-Htan', ...filter).stdout ?? '')
        .split('\n')
        .filter(Boolean).length;
    expect(count('sport = :8089')).toBe(4);
    expect(count('sport = :8089 and not dport = :43768')).toBe(3);
    expect(count('( sport eq :22 or sport == :443 ) dst 127.0.0.0/8')).toBe(2);
    expect(count('dst 127.0.2.7:5001')).toBe(1);
    expect(count('sport gt :1000')).toBe(4);
    expect(count('src 127.0.1.5 and dport = :5001')).toBe(1);
    expect(count('src 127.0.1.0/24 and dport != :5001')).toBe(5);
  });

  it('refuses what ss refuses', () => {
    expect(ss('-Htn', 'state', 'bogus')).toEqual({ stderr: 'ss: wrong state name: bogus\n', exitCode: 255 });
    expect(ss('-Htn', '( sport = :80 or )')).toMatchObject({
      exitCode: 255,
      stderr: expect.stringMatching(/^ss: bison bellows \(while parsing filter\): "syntax error!" Sorry\.\n/),
    });
    expect(parseSsFilter(['state', 'established', 'exclude', 'established']).ok).toBe(true);
    // UDP only: nothing in the lab.
    expect(ss('-Hun')).toEqual({ stdout: '', exitCode: 0 });
  });
});
