import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src/config/problems.ts';
import { appSettingsCoverPipeline, keepalivedPrefersHealthfile } from '../../src/config/rules-cross.ts';

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
