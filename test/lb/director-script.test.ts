import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDirectorScript, parseDirectorScript } from '../../src/lb/director-script.ts';
import { readFixture } from '../helpers/fixtures.ts';

const NONCE = '0123456789abcdef0123';
const dir = mkdtempSync(join(tmpdir(), 'lvs-dscript-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A stand-in ipvsadm: -L -n -c prints the fixture, -e succeeds silently, -d fails like ipvsadm.
writeFileSync(
  join(dir, 'ipvsadm'),
  `#!/bin/sh\ncase "$*" in\n  "-L -n -c") cat ${join(dir, 'conns')} ;;\n  -e*) exit 0 ;;\n  -d*) echo "No such destination" >&2; exit 255 ;;\n  *) echo "Protocol not available" >&2; exit 2 ;;\nesac\n`,
  { mode: 0o755 },
);
writeFileSync(join(dir, 'conns'), readFixture('ipvsadm/conn-list.txt'));

function run(script: string) {
  return spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
}

describe('the director script', () => {
  it('runs every command, and gives back each exit status and output separately', () => {
    const script = buildDirectorScript(
      [
        { id: 'q0', argv: ['ipvsadm', '-e', '-t', '10.0.0.100:80', '-r', '10.0.1.11:80', '-m', '-w', '0'] },
        { id: 'd1', argv: ['ipvsadm', '-d', '-t', '10.0.0.100:80', '-r', '10.0.9.9:80'] },
        { id: 'c', argv: ['ipvsadm', '-L', '-n', '-c'], reduceConnections: true },
      ],
      NONCE,
    );
    const result = run(script.text);
    const steps = parseDirectorScript(result.stdout, NONCE);
    expect(steps.get('q0')).toEqual({ exitCode: 0, output: '' });
    expect(steps.get('d1')).toEqual({ exitCode: 255, output: 'No such destination\n' });
    expect(steps.get('c')?.exitCode).toBe(0);
    expect(steps.get('c')?.output).toMatch(/^\d+ TCP ESTABLISHED 10\.0\.0\.100:80 10\.0\.1\.1\d:80 F$/m);
  });

  it("says a failed read through the reducer (exit 3; ipvsadm's error on stderr)", () => {
    const result = run(buildDirectorScript([{ id: 'c', argv: ['ipvsadm', '-L', '-n', '-c', '--bogus'], reduceConnections: true }], NONCE).text);
    expect(parseDirectorScript(result.stdout, NONCE).get('c')?.exitCode).toBe(3);
    expect(result.stderr).toContain('Protocol not available');
  });

  it('leaves out a step whose marker never came (a cut connection), and ignores a forged marker with another nonce', () => {
    const out = `\n@@${NONCE} a 0\nhello\n@@ffffffffffffffffffff b 0\n`;
    const steps = parseDirectorScript(out, NONCE);
    expect([...steps.keys()]).toEqual(['a']);
  });

  it('quotes every argument: a hostile value reaches ipvsadm as one word and runs nothing', () => {
    const script = buildDirectorScript([{ id: 'x', argv: ['printf', '%s|', "a'b", '$(touch pwned)', 'c d'] }], NONCE);
    const result = spawnSync('/bin/sh', ['-c', script.text], { encoding: 'utf8', cwd: dir });
    expect(parseDirectorScript(result.stdout, NONCE).get('x')).toEqual({ exitCode: 0, output: "a'b|$(touch pwned)|c d|" });
    expect(() => execFileSync('test', ['-e', join(dir, 'pwned')])).toThrow();
  });

  it('refuses a nonce or an id that could break the markers', () => {
    expect(() => buildDirectorScript([{ id: 'a', argv: ['true'] }], 'not-hex')).toThrow(TypeError);
    expect(() => buildDirectorScript([{ id: 'a b', argv: ['true'] }], NONCE)).toThrow(TypeError);
  });
});
