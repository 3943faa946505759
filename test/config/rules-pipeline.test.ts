import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src/config/problems.ts';
import {
  httpChecksAreValid,
  noControlCharactersInPipeline,
  parseRampStep,
  phasesAreComplete,
  rampIsValid,
  stepsHaveOneAction,
  templatesAreValid,
  uploadModesAreOctal,
} from '../../src/config/rules-pipeline.ts';
import type { Finding } from '../../src/config/problems.ts';

const paths = (findings: Finding[]) => findings.map((f) => formatPath(f.path));
const withSteps = (deploy: unknown[]) => ({ phases: { deploy } });

describe('stepsHaveOneAction', () => {
  it('needs exactly one of run, upload, http, and one of cmd, argv', () => {
    const deploy = [
      { run: 'x' },
      { name: 'nothing' },
      { run: 'x', http: { path: '/' } },
      { run: { timeout: '1s' } },
      { run: { cmd: 'a', argv: ['b'] } },
      { run: { argv: ['ls'] } },
      { app: 'restart' },
      { app: 'reload', run: 'x' },
    ];
    expect(paths(stepsHaveOneAction(withSteps(deploy)))).toEqual([
      'phases.deploy[1]',
      'phases.deploy[2]',
      'phases.deploy[3].run',
      'phases.deploy[4].run',
      'phases.deploy[7]',
    ]);
  });
});

describe('templatesAreValid', () => {
  it('checks every template string against the pipeline variables', () => {
    const deploy = [
      { run: 'echo {{release}} {{server.host}}' },
      { run: 'echo {{relase}}' },
      { run: { cmd: 'echo "{{root}}"' } },
      { run: { argv: ['echo', '{{nope}}'] } },
      { upload: { from: '{{artifact}}', to: '{{root}}/{{releas}}.tgz' } },
      { http: { path: '/{{x}}', host: '{{server.name}}', expect: { body: '{{release}}', header: { 'X-Release': '{{rel}}' } } } },
      { http: { path: '/', host: '{{hots}}', expect: { body: '{{bdy}}', bodyPattern: '^v={{release}}$|{{relaese}}' } } },
      { http: { path: '/', expect: { bodyPattern: '^v\\d+ {{release}}' } } },
      { http: { path: '/', expect: { bodyPattern: '({{release}}' } } },
      { app: 'restart' },
    ];
    const findings = templatesAreValid(withSteps(deploy));
    expect(findings.map((f) => [formatPath(f.path), f.message])).toEqual([
      ['phases.deploy[1].run', 'unknown variable {{relase}}'],
      ['phases.deploy[2].run.cmd', '{{root}} is inside double quotes'],
      ['phases.deploy[3].run.argv[1]', 'unknown variable {{nope}}'],
      ['phases.deploy[4].upload.to', 'unknown variable {{releas}}'],
      ['phases.deploy[5].http.path', 'unknown variable {{x}}'],
      ['phases.deploy[5].http.expect.header.X-Release', 'unknown variable {{rel}}'],
      ['phases.deploy[6].http.host', 'unknown variable {{hots}}'],
      ['phases.deploy[6].http.expect.body', 'unknown variable {{bdy}}'],
      ['phases.deploy[6].http.expect.bodyPattern', 'unknown variable {{relaese}}'],
      ['phases.deploy[8].http.expect.bodyPattern', 'not a regular expression: Invalid regular expression: /(x/: Unterminated group'],
    ]);
    expect(findings[0]!.hint).toContain('{{release}}');
  });
});

describe('httpChecksAreValid', () => {
  it('checks the path and the statuses', () => {
    const deploy = [
      { http: { path: '/ok', expect: { status: 204 } } },
      { http: { path: 'health' } },
      { http: { path: '{{release}}' } },
      { http: { path: '/', expect: { status: 99 } } },
    ];
    expect(paths(httpChecksAreValid(withSteps(deploy)))).toEqual([
      'phases.deploy[1].http.path',
      'phases.deploy[2].http.path',
      'phases.deploy[3].http.expect.status',
    ]);
  });
});

describe('uploadModesAreOctal', () => {
  it('accepts "0644" and "755", refuses others', () => {
    const deploy = [{ upload: { mode: '0644' } }, { upload: { mode: '755' } }, { upload: { mode: '0888' } }, { upload: { mode: 'rw' } }];
    expect(paths(uploadModesAreOctal(withSteps(deploy)))).toEqual(['phases.deploy[2].upload.mode', 'phases.deploy[3].upload.mode']);
  });
});

describe('ramp', () => {
  it('parseRampStep reads percentages and fractions', () => {
    expect([parseRampStep('10%'), parseRampStep('100%'), parseRampStep(0.5), parseRampStep('0%'), parseRampStep(50), parseRampStep('150%')]).toEqual([
      0.1,
      1,
      0.5,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('rampIsValid wants increasing steps ending at 100%', () => {
    expect(rampIsValid({ drain: { ramp: { steps: ['10%', '50%', '100%'] } } })).toEqual([]);
    expect(rampIsValid({ drain: { ramp: ['25%', 1] } })).toEqual([]);
    expect(paths(rampIsValid({ drain: { ramp: { steps: ['50%', '10%', '100%'] } } }))).toEqual(['drain.ramp.steps[1]']);
    expect(paths(rampIsValid({ drain: { ramp: ['10%', '50%'] } }))).toEqual(['drain.ramp[1]']);
    expect(paths(rampIsValid({ drain: { ramp: { steps: ['10', '100%'] } } }))).toEqual(['drain.ramp.steps[0]']);
  });
});

describe('phasesAreComplete', () => {
  it('needs deploy steps, warns without a smoke check or rollback', () => {
    const findings = phasesAreComplete({ phases: { verify: [{ run: 'true' }] } });
    expect(findings.map((f) => [f.message.split(':')[0], f.warning ?? false])).toEqual([
      ['the pipeline has no deploy steps', false],
      ['no http smoke check in verify', true],
      ['no rollback steps', true],
    ]);
    expect(phasesAreComplete({ phases: { deploy: [{ run: 'x' }], verify: [{ http: { path: '/' } }], rollback: [{ run: 'y' }] } })).toEqual([]);
  });
});

describe('noControlCharactersInPipeline', () => {
  it('allows multi-line run scripts only', () => {
    const deploy = [{ run: 'a\nb' }, { run: { cmd: 'a\nb' } }, { run: { argv: ['a\nb'] } }, { http: { path: '/\n' } }, { run: 'a\0' }];
    expect(paths(noControlCharactersInPipeline(withSteps(deploy)))).toEqual([
      'phases.deploy[2].run.argv[0]',
      'phases.deploy[3].http.path',
      'phases.deploy[4].run',
    ]);
  });
});
