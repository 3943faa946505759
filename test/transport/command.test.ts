import { describe, expect, it } from 'vitest';
import { buildCommandLine, effectiveArgv } from '../../src/transport/command.ts';

describe('buildCommandLine', () => {
  it('joins argv with shellJoin, quoting what needs it', () => {
    expect(buildCommandLine({ argv: ['ipvsadm', '-L', '-n'], mutates: false })).toBe('ipvsadm -L -n');
    expect(buildCommandLine({ argv: ['printf', '%s', "it's $HOME"], mutates: false })).toBe(`printf %s 'it'\\''s $HOME'`);
    expect(buildCommandLine({ argv: ['echo', ''], mutates: false })).toBe(`echo ''`);
  });

  it('prefixes argv with sudo -n', () => {
    expect(effectiveArgv({ argv: ['ipvsadm', '-e', '-t', '10.0.0.1:80'], sudo: true, mutates: true })).toEqual([
      'sudo',
      '-n',
      'ipvsadm',
      '-e',
      '-t',
      '10.0.0.1:80',
    ]);
    expect(buildCommandLine({ argv: ['ipvsadm', '-L', '-n'], sudo: true, mutates: false })).toBe('sudo -n ipvsadm -L -n');
  });

  it('sends a script as is', () => {
    const script = "cd '/srv/www' && ln -sfn releases/r1 current";
    expect(buildCommandLine({ script, mutates: true })).toBe(script);
  });

  it('never builds `sudo -n sh -c`: a script with sudo is a bug of its caller (issue 12 item 9)', () => {
    expect(() => buildCommandLine({ script: 'ipvsadm -L -n', sudo: true, mutates: false })).toThrow(TypeError);
    expect(() => buildCommandLine({ script: 'ipvsadm -L -n', sudo: true, mutates: false })).toThrow(/sudo -n sh -c.*send an argv/);
    expect(buildCommandLine({ script: 'true', sudo: false, mutates: false })).toBe('true');
  });

  it('quotes every argv element, sudo prefix included, so sudoers sees exactly the argv', () => {
    expect(buildCommandLine({ argv: ['cat', '/etc/keepalived/keep alived.conf'], sudo: true, mutates: false })).toBe(
      "sudo -n cat '/etc/keepalived/keep alived.conf'",
    );
  });

  it('refuses an empty argv (a bug in the caller)', () => {
    expect(() => buildCommandLine({ argv: [], mutates: false })).toThrow(TypeError);
  });
});
