// Every case of errors.txt, run on the scenario table: same stderr, same exit status, no stdout.
import { describe, expect, it } from 'vitest';
import { runIpvsadm } from '../../../src/lab/ipvsadm/cli.ts';
import type { IpvsState } from '../../../src/lab/ipvsadm/state.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { parseErrorCatalogue } from '../../helpers/ipvsadm-errors.ts';
import { scenarioState } from './helpers.ts';

const catalogueText = readFixture('ipvsadm/errors.txt');
const cases = parseErrorCatalogue(catalogueText);

/** Set the state flags a case needs (start-up failures, the 1.27-1.29 wording) on a built table. */
function applyFlags(state: IpvsState, id: string): void {
  if (id === 'not-root') state.initError = 'not-root';
  if (id === 'no-ipvs-in-kernel') state.initError = 'no-ipvs';
  if (id.startsWith('legacy-1.27-1.29-')) state.legacyWording = true;
}

describe('errors.txt', () => {
  it('is read whole', () => {
    expect(cases.length).toBe(catalogueText.split('\n').filter((l) => l.startsWith('==> ')).length);
    expect(cases.length).toBeGreaterThanOrEqual(24);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const state = scenarioState();
    const before = runIpvsadm(state, ['-S', '-n']).stdout;
    applyFlags(state, c.id);
    expect(c.argv[0]).toBe('ipvsadm');
    const result = runIpvsadm(state, c.argv.slice(1));
    expect(result).toEqual({ stdout: '', stderr: c.stderr, exitCode: c.exitCode });
    // None of these commands changes the table (errors, or an edit to the same values).
    state.initError = undefined;
    expect(runIpvsadm(state, ['-S', '-n']).stdout).toBe(before);
  });
});
