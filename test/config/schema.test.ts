import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src/config/problems.ts';
import { clusterFileSchema, pipelineFileSchema } from '../../src/config/schema.ts';
import { allowedKeysAt, checkSchema } from '../../src/config/zod-findings.ts';

const minimal = { cluster: 'c', directors: [{ host: 'lvs1' }], services: [{ vip: '10.0.0.1:80' }], realServers: [{ host: '10.0.0.2' }] };

function findings(data: unknown, schema: typeof clusterFileSchema | typeof pipelineFileSchema = clusterFileSchema) {
  const result = checkSchema(schema as typeof clusterFileSchema, data);
  return result.ok ? [] : result.findings.map((f) => ({ path: formatPath(f.path), message: f.message, hint: f.hint, onKey: f.onKey }));
}

describe('cluster file schema', () => {
  it('accepts the minimal file and parses durations to ms', () => {
    const result = checkSchema(clusterFileSchema, { ...minimal, ssh: { user: 'u', connectTimeout: '1m30s' }, peakWindows: { timezone: 'UTC', guard: 60 } });
    expect(result.ok && result.value.ssh?.connectTimeout).toBe(90_000);
    expect(result.ok && result.value.peakWindows?.guard).toBe(60_000);
  });

  it('names unknown keys with a did-you-mean', () => {
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
    expect(findings({ ...minimal, realServer: [], ssh: { identitfile: 'x', usr: 'u' } }).sort(byPath)).toEqual([
      { path: 'realServer', message: 'unknown key "realServer"', hint: 'did you mean "realServers"?', onKey: true },
      { path: 'ssh.identitfile', message: 'unknown key "identitfile"', hint: 'did you mean "identityFile"?', onKey: true },
      { path: 'ssh.usr', message: 'unknown key "usr"', hint: 'did you mean "user"?', onKey: true },
    ]);
  });

  it('reports a misspelt required key once, not also as missing', () => {
    const { realServers, ...rest } = minimal;
    expect(findings({ ...rest, realServer: realServers })).toEqual([
      { path: 'realServer', message: 'unknown key "realServer"', hint: 'did you mean "realServers"?', onKey: true },
    ]);
  });

  it('lists the allowed keys when nothing is close', () => {
    const [finding] = findings({ ...minimal, directors: [{ host: 'a', colour: 'red' }] });
    expect(finding).toMatchObject({ path: 'directors[0].colour', hint: 'allowed keys here: host, name, ssh, keepalived.' });
  });

  it('reports missing keys, wrong types and bad enum values in words', () => {
    const data = { directors: 'lvs1', services: [{ vip: '10.0.0.1:80', protocol: 'tpc' }], realServers: [], ssh: { sudo: 'yes', port: 0 } };
    expect(findings(data)).toEqual([
      { path: 'cluster', message: '"cluster" is required', hint: 'add "cluster:" (text)', onKey: undefined },
      { path: 'directors', message: 'expected a list, got "lvs1"', hint: 'write a list: "- item" lines, or [a, b]', onKey: undefined },
      { path: 'services[0].protocol', message: '"tpc" is not one of tcp, udp, sctp', hint: 'did you mean "tcp"?', onKey: undefined },
      { path: 'realServers', message: 'needs at least 1 entry', hint: 'add the missing entries', onKey: undefined },
      { path: 'ssh.port', message: 'number 0 is too small (at least 1)', hint: 'use a value of 1 or more', onKey: undefined },
      { path: 'ssh.sudo', message: 'expected true or false, got "yes"', hint: 'write true or false without quotes', onKey: undefined },
    ]);
  });

  it('reports a bad duration with the format', () => {
    expect(findings({ ...minimal, peakWindows: { timezone: 'UTC', guard: 'half an hour' } })).toEqual([
      { path: 'peakWindows.guard', message: '"half an hour" is not a duration', hint: expect.stringContaining('1h30m'), onKey: undefined },
    ]);
  });

  it('says what a union wanted', () => {
    const [finding] = findings({ ...minimal, peakWindows: { timezone: 'UTC', windows: [{ name: 'a', days: 5, from: '01:00', to: '02:00' }] } });
    expect(finding).toMatchObject({ path: 'peakWindows.windows[0].days', message: 'expected text or a list, got number 5' });
  });
});

describe('pipeline schema', () => {
  it('reaches keys through step unions and ramp shorthand', () => {
    expect(allowedKeysAt(pipelineFileSchema, ['phases', 'deploy', 0, 'run'])).toEqual(['cmd', 'argv', 'timeout', 'sudo']);
    expect(allowedKeysAt(pipelineFileSchema, ['drain', 'ramp'])).toEqual(['steps', 'interval']);
    expect(allowedKeysAt(pipelineFileSchema, ['phases', 'verify', 3, 'http', 'expect'])).toEqual(['status', 'body', 'bodyPattern', 'header']);
  });

  it('reads an app step as `app: restart` or `{ action, timeout }`, and names a misspelt action', () => {
    const ok = checkSchema(pipelineFileSchema, { name: 'p', phases: { deploy: [{ app: 'restart' }, { app: { action: 'reload', timeout: '1m' } }] } });
    expect(ok.ok && ok.value.phases.deploy?.map((step) => step.app)).toEqual([{ action: 'restart' }, { action: 'reload', timeout: 60_000 }]);
    expect(findings({ name: 'p', phases: { deploy: [{ app: 'restrat' }] } }, pipelineFileSchema)).toEqual([
      { path: 'phases.deploy[0].app.action', message: '"restrat" is not one of restart, reload', hint: 'did you mean "restart"?', onKey: undefined },
    ]);
  });

  it('takes ssh.passphraseEnv and app.restart/app.reload in the cluster file, per host too', () => {
    const data = {
      ...minimal,
      ssh: { user: 'u', passphraseEnv: 'KEY_PASS' },
      app: { restart: 'r', reload: 'l' },
      realServers: [{ host: '10.0.0.2', ssh: { passphraseEnv: 'OTHER' }, app: { restart: 'r2' } }],
    };
    expect(findings(data)).toEqual([]);
  });

  it('names a misspelt key inside a run object and a ramp', () => {
    const data = { name: 'p', drain: { ramp: { steps: ['10%', '100%'], intervl: '5s' } }, phases: { deploy: [{ run: { cmd: 'x', timout: '5s' } }] } };
    expect(findings(data, pipelineFileSchema).map((f) => [f.path, f.hint])).toEqual([
      ['drain.ramp.intervl', 'did you mean "interval"?'],
      ['phases.deploy[0].run.timout', 'did you mean "timeout"?'],
    ]);
  });

  it('accepts the ramp as a bare list', () => {
    const result = checkSchema(pipelineFileSchema, { name: 'p', drain: { ramp: ['50%', '100%'] }, phases: {} });
    expect(result.ok && result.value.drain?.ramp).toEqual({ steps: ['50%', '100%'] });
  });
});
