// The directors: the VIP on exactly one of them, forwarding on for NAT.
import { describe, expect, it } from 'vitest';
import { IP_FORWARD, ipForwardProblem, vipHolderProblems, vipHoldings, type DirectorNet } from '../../src/hosts/director.ts';
import { parseIpAddr } from '../../src/hosts/ip-addr.ts';

const line = (l: string) => `${l}\\       valid_lft forever preferred_lft forever`;
const LO = line('1: lo    inet 127.0.0.1/8 scope host lo');
const director = (name: string, extra: string[] = [], forward = 1): DirectorNet => ({
  name,
  facts: {
    addresses: { ok: true, value: parseIpAddr([LO, line('2: eth0    inet 10.0.0.11/24 scope global eth0'), ...extra.map(line)].join('\n')) },
    sysctls: { ok: true, value: { [IP_FORWARD]: forward } },
  },
});
const HOLDS = '2: eth0    inet 10.0.0.100/32 scope global eth0';

describe('the VIP on exactly one director', () => {
  it('one holder: no problem', () => {
    const h = vipHoldings(['10.0.0.100'], [director('lvs1', [HOLDS]), director('lvs2')]);
    expect(h).toEqual([{ vip: '10.0.0.100', holders: [{ director: 'lvs1', links: ['eth0'] }], unknown: [] }]);
    expect(vipHolderProblems(h)).toEqual([]);
  });

  it('two holders: split brain, naming both and the link to drop it from', () => {
    const [p] = vipHolderProblems(
      vipHoldings(['10.0.0.100'], [director('lvs1', [HOLDS]), director('lvs2', ['2: eth1    inet 10.0.0.100/32 scope global eth1'])]),
    );
    expect(p).toMatchObject({ id: 'split-brain', level: 'error', host: 'lvs1,lvs2' });
    expect(p?.message).toContain('held by lvs1 (eth0) and lvs2 (eth1) at once (split brain)');
    expect(p?.fix).toContain('ip addr del 10.0.0.100/32 dev eth1 on lvs2');
  });

  it('none: an error, unless a director could not be read (then it is unknown, not absent)', () => {
    expect(vipHolderProblems(vipHoldings(['10.0.0.100'], [director('lvs1'), director('lvs2')])).map((p) => p.id)).toEqual(['vip-unheld']);
    const unread: DirectorNet = { name: 'lvs2', facts: { addresses: { ok: false, reason: 'exit 127' } } };
    expect(vipHolderProblems(vipHoldings(['10.0.0.100'], [director('lvs1'), unread]))).toEqual([]);
  });

  it('NAT: ip_forward=0 is an error with the sysctl fix; 1 or unread is none', () => {
    expect(ipForwardProblem(director('lvs1', [], 0))).toMatchObject({
      id: 'nat-no-forwarding',
      fix: expect.stringContaining('sysctl -w net.ipv4.ip_forward=1'),
    });
    expect(ipForwardProblem(director('lvs1', [], 1))).toBeUndefined();
    expect(ipForwardProblem({ name: 'lvs1', facts: { addresses: { ok: true, value: [] }, sysctls: { ok: false, reason: 'x' } } })).toBeUndefined();
  });
});
