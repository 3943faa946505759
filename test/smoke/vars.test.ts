import { describe, expect, it } from 'vitest';
import { fillVars } from '../../src/smoke/vars.ts';

describe('fillVars', () => {
  it('escapes each value for where it lands', () => {
    const vars = { release: 'r1 (hotfix)/a', 'server.host': 'web1' };
    expect(fillVars('/v/{{release}}?h={{ server.host }}', vars, 'path')).toEqual({ ok: true, value: '/v/r1%20(hotfix)%2Fa?h=web1' });
    expect(fillVars('{{release}}', vars, 'text')).toEqual({ ok: true, value: 'r1 (hotfix)/a' });
    const pattern = fillVars('^{{release}}$', vars, 'pattern');
    expect(pattern.ok && new RegExp(pattern.value).test('r1 (hotfix)/a')).toBe(true);
  });

  it('names unknown variables', () => {
    expect(fillVars('{{a}}-{{b}}', { a: '1' }, 'text')).toEqual({ ok: false, detail: 'unknown template variable {{b}}' });
  });
});
