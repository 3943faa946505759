import { describe, expect, it } from 'vitest';
import { classifyIpvsExit, type IpvsOutcomeKind } from '../../src/ipvs/status.ts';
import { readFixture } from '../helpers/fixtures.ts';
import { parseErrorCatalogue } from '../helpers/ipvsadm-errors.ts';

const EXPECTED: Record<number, IpvsOutcomeKind> = { 0: 'ok', 1: 'missing-service', 2: 'usage-or-init', 255: 'refused' };

describe('classifyIpvsExit', () => {
  const cases = parseErrorCatalogue(readFixture('ipvsadm/errors.txt'));

  it('reads the whole errors.txt catalogue', () => {
    expect(cases).toHaveLength(30);
    expect(cases.find((c) => c.id === 'no-ipvs-in-kernel')).toMatchObject({
      argv: ['ipvsadm', '-L', '-n'],
      exitCode: 2,
      stderr: expect.stringMatching(/^modprobe: FATAL.*\nCan't initialize ipvs: Protocol not available\nAre you sure/),
    });
    expect(cases.find((c) => c.id === 'success-is-silent')?.stderr).toBe('');
  });

  it.each(cases.map((c) => [c.id, c] as const))('classifies %s by its exit status', (_, c) => {
    const outcome = classifyIpvsExit({ exitCode: c.exitCode, stderr: c.stderr, command: { argv: c.argv, mutates: false } });
    expect(outcome.kind).toBe(EXPECTED[c.exitCode]);
    expect(outcome.message).toBe(c.stderr.trim());
  });

  it('gives the legacy 1.27-1.29 wording the same outcome as the real one', () => {
    const byId = (id: string) => {
      const c = cases.find((x) => x.id === id);
      if (!c) throw new Error(`errors.txt has no ${id}`);
      return classifyIpvsExit({ exitCode: c.exitCode, stderr: c.stderr, command: { argv: c.argv, mutates: true } }).kind;
    };
    expect(byId('legacy-1.27-1.29-libnl3-del-dest-missing')).toBe(byId('del-dest-missing'));
    expect(byId('legacy-1.27-1.29-libnl3-del-service-missing')).toBe(byId('del-service-missing'));
    expect(byId('legacy-1.27-1.29-libnl3-add-dest-exists')).toBe(byId('add-dest-exists'));
  });

  it('does not read exit 1 as a missing service outside a service listing', () => {
    const sudo = { exitCode: 1, stderr: 'sudo: a password is required\n', command: { argv: ['ipvsadm', '-L', '-n'], mutates: false } };
    expect(classifyIpvsExit(sudo).kind).toBe('unexpected');
    expect(classifyIpvsExit({ exitCode: 1, command: { argv: ['ipvsadm', '-L', '-n', '-c'], mutates: false } }).kind).toBe('unexpected');
    expect(classifyIpvsExit({ exitCode: 127, stderr: 'sh: ipvsadm: not found' })).toEqual({
      kind: 'not-installed',
      exitCode: 127,
      message: 'sh: ipvsadm: not found',
    });
    expect(classifyIpvsExit({ exitCode: null }).kind).toBe('unexpected');
  });
});
