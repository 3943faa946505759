import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src/config/problems.ts';
import { appCommandsCoverPipeline, appSettingsCoverPipeline, keepalivedPrefersHealthfile } from '../../src/config/rules-cross.ts';

const usesRoot = { phases: { deploy: [{ run: 'cd {{root}}' }] } };

describe('appSettingsCoverPipeline', () => {
  it('needs app.root when the pipeline uses {{root}}, per server when some set their own', () => {
    expect(appSettingsCoverPipeline({ app: { root: '/srv' }, realServers: [{}] }, usesRoot).cluster).toEqual([]);
    expect(appSettingsCoverPipeline({ realServers: [{ app: { root: '/a' } }, { app: { root: '/b' } }] }, usesRoot).cluster).toEqual([]);
    const some = appSettingsCoverPipeline({ realServers: [{ app: { root: '/a' } }, {}] }, usesRoot).cluster;
    expect(some.map((f) => formatPath(f.path))).toEqual(['realServers[1]']);
    const none = appSettingsCoverPipeline({ app: {}, realServers: [{}, {}] }, usesRoot).cluster;
    expect(none.map((f) => [formatPath(f.path), f.message])).toEqual([['app', 'app.root is not set, but the pipeline uses {{root}}']]);
    expect(appSettingsCoverPipeline({ realServers: [{}] }, { phases: { deploy: [{ run: 'true' }] } }).cluster).toEqual([]);
    expect(appSettingsCoverPipeline({}, usesRoot).cluster).toEqual([]);
  });

  it('needs app.healthFile for a healthfile drain', () => {
    const [finding] = appSettingsCoverPipeline({ app: { root: '/srv' }, realServers: [{}] }, { drain: { method: 'healthfile' }, phases: {} }).cluster;
    expect(finding?.message).toBe('app.healthFile is not set, but the pipeline drains by health file');
  });
});

describe('appCommandsCoverPipeline', () => {
  const restarts = {
    name: 'symlink',
    phases: { deploy: [{ run: 'x' }, { app: 'restart' }], rollback: [{ app: { action: 'restart', timeout: '60s' } }], cleanup: [{ app: 'reload' }] },
  };

  it('names the missing cluster key and every pipeline step that needs it', () => {
    const findings = appCommandsCoverPipeline({ app: { root: '/srv' }, realServers: [{}, {}] }, restarts).cluster;
    expect(findings.map((f) => [formatPath(f.path), f.message])).toEqual([
      ['app', 'app.restart is not set, but pipeline "symlink" restarts the app at phases.deploy[1].app and phases.rollback[0].app'],
      ['app', 'app.reload is not set, but pipeline "symlink" reloads the app at phases.cleanup[0].app'],
    ]);
    expect(findings[0]!.hint).toBe(
      'add app.restart to the cluster file: the command that restarts the app on a server, run as written, e.g. app: { restart: "sudo -n systemctl restart shop" }',
    );
  });

  it('is satisfied by the cluster setting, or by every server setting its own', () => {
    expect(appCommandsCoverPipeline({ app: { restart: 'r', reload: 'l' }, realServers: [{}] }, restarts).cluster).toEqual([]);
    const own = { realServers: [{ app: { restart: 'r1', reload: 'l' } }, { app: { restart: 'r2', reload: 'l' } }] };
    expect(appCommandsCoverPipeline(own, restarts).cluster).toEqual([]);
  });

  it('points at the servers that miss it when only some set their own', () => {
    const some = { realServers: [{ app: { restart: 'r1', reload: 'l' } }, { app: { reload: 'l' } }] };
    const findings = appCommandsCoverPipeline(some, restarts).cluster;
    expect(findings.map((f) => [formatPath(f.path), f.message.split(',')[0]])).toEqual([['realServers[1]', 'app.restart is not set for this server']]);
  });

  it('needs nothing when the pipeline has no app step', () => {
    expect(appCommandsCoverPipeline({ realServers: [{}] }, { phases: { deploy: [{ run: 'app-ctl restart' }] } }).cluster).toEqual([]);
  });
});

describe('keepalivedPrefersHealthfile', () => {
  it('warns about ipvsadm draining on a keepalived-managed pool', () => {
    const cluster = { directors: [{ host: 'a' }, { host: 'b', keepalived: '/etc/keepalived/keepalived.conf' }] };
    const [finding, ...rest] = keepalivedPrefersHealthfile(cluster, { drain: { method: 'quiesce' } }).pipeline;
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ path: ['drain', 'method'], warning: true });
    expect(finding?.message).toContain('directors[1].keepalived');
    expect(keepalivedPrefersHealthfile(cluster, { drain: { method: 'healthfile' } }).pipeline).toEqual([]);
    expect(keepalivedPrefersHealthfile({ directors: [{ host: 'a' }] }, {}).pipeline).toEqual([]);
  });
});
