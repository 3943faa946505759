import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src/config/problems.ts';
import { hostsAreHostNames, isHostName, noControlCharacters, noOptionLikeValues } from '../../src/config/rules-safety.ts';

describe('noOptionLikeValues', () => {
  it('refuses hosts, users, paths and names starting with "-"', () => {
    const raw = {
      cluster: 'ok',
      directors: [{ host: '-oProxyCommand=touch /tmp/x' }],
      realServers: [{ host: 'web1', address: '-1', ssh: { user: '-l', jumpHost: '-J' }, app: { root: '-rf' } }],
      ssh: { identityFile: '-i', knownHosts: 'ok' },
      app: { healthFile: '--x' },
    };
    const findings = noOptionLikeValues(raw);
    expect(findings.map((f) => formatPath(f.path)).sort()).toEqual(
      [
        'directors[0].host',
        'realServers[0].address',
        'realServers[0].ssh.user',
        'realServers[0].ssh.jumpHost',
        'realServers[0].app.root',
        'ssh.identityFile',
        'app.healthFile',
      ].sort(),
    );
    expect(findings[0]!.message).toContain('option');
  });

  it('leaves "-" inside values and in free text alone', () => {
    expect(noOptionLikeValues({ cluster: 'web-prod', peakWindows: { freezes: [{ reason: '- sale -' }] } })).toEqual([]);
  });
});

describe('hostsAreHostNames', () => {
  it('accepts names and addresses, refuses user@host, ports and spaces', () => {
    expect(['web1', 'web1.example.net', '10.0.0.1', '2001:db8::1', 'a_b.example'].every(isHostName)).toBe(true);
    const raw = { directors: [{ host: 'root@lvs1' }], realServers: [{ host: 'web1:22' }, { host: 'a b' }, { host: 'ok' }] };
    expect(hostsAreHostNames(raw).map((f) => formatPath(f.path))).toEqual(['directors[0].host', 'realServers[0].host', 'realServers[1].host']);
  });
});

describe('noControlCharacters', () => {
  it('finds NUL and line breaks in values and keys', () => {
    const raw = { a: 'x\0y', b: ['ok', 'two\nlines'], 'k\ney': 'v', c: 'cr\r' };
    expect(noControlCharacters(raw).map((f) => [formatPath(f.path), f.message])).toEqual([
      ['a', 'contains a NUL character'],
      ['b[1]', 'contains a line break'],
      ['k\ney', 'contains a line break'],
      ['c', 'contains a line break'],
    ]);
  });

  it('allows line breaks where told, never NUL', () => {
    const raw = { run: 'a\nb', other: 'c\0' };
    expect(noControlCharacters(raw, (path) => path.at(-1) === 'run').map((f) => formatPath(f.path))).toEqual(['other']);
  });
});
