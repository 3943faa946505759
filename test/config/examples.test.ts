import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHIPPED_PIPELINES } from '../../src/config/defaults.ts';
import { loadCluster } from '../../src/config/load.ts';
import { PACKAGE_ROOT } from '../../src/config/pipeline-path.ts';
import { formatProblems } from '../../src/config/problems.ts';
import { fixture, memoryFs } from './builders.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const OPTIONS = { home: '/home/ops', cwd: repo };

describe('examples/broken/release.yaml', () => {
  it('reports exactly its five mistakes, with their lines and paths', async () => {
    const result = await loadCluster('examples/broken/release.yaml', OPTIONS);
    if (result.ok) throw new Error('the broken example loaded');
    expect(result.problems.map((p) => `${p.file}:${p.line} ${p.path}`)).toEqual([
      'examples/broken/release.yaml:11 services[1].vip',
      'examples/broken/release.yaml:15 realServers[2].address',
      'examples/broken/release.yaml:16 realServers[3].name',
      'examples/broken/release.yaml:19 ssh.identitfile',
      'examples/broken/release.yaml:24 peakWindows.timezone',
    ]);
    expect(formatProblems(result.problems)).toBe(
      [
        'examples/broken/release.yaml:11:10 services[1].vip: "192.0.2.80" has no port. Fix: write the VIP as ipvsadm -L -n lists it: 192.168.1.181:80, or [2001:db8::1]:80 for IPv6.',
        'examples/broken/release.yaml:15:60 realServers[2].address: "10.0.2.x" is not an IP address. Fix: use the address exactly as ipvsadm -L -n lists it.',
        'examples/broken/release.yaml:16:45 realServers[3].name: same name as realServers[1]. Fix: give each host its own name (the name defaults to the host).',
        'examples/broken/release.yaml:19:3 ssh.identitfile: unknown key "identitfile". Fix: did you mean "identityFile"?',
        'examples/broken/release.yaml:24:13 peakWindows.timezone: "Asia/Shangai" is not an IANA time zone. Fix: did you mean "Asia/Shanghai"?',
      ].join('\n'),
    );
  });
});

describe('examples/two-directors-dr/release.yaml', () => {
  it('loads cleanly with the SPEC peak windows', async () => {
    const result = await loadCluster('examples/two-directors-dr/release.yaml', OPTIONS);
    if (!result.ok) throw new Error(formatProblems(result.problems));
    const { cluster, pipeline } = result;
    expect(result.warnings).toEqual([]);
    expect(cluster.directors.map((d) => d.name)).toEqual(['lvs1', 'lvs2']);
    expect(cluster.realServers).toHaveLength(6);
    expect(cluster.realServers[0]!.destinations.map((d) => `${d.endpoint.address}:${d.endpoint.port}`)).toEqual(['10.0.1.11:80', '10.0.1.11:443']);
    expect(cluster.realServers[5]!.app.root).toBe('/srv/www/shop-canary');
    expect(cluster.directors[0]!.ssh).toMatchObject({
      user: 'deploy',
      sudo: true,
      identityFile: '/home/ops/.ssh/id_ed25519_deploy',
      jumpHost: { host: 'bastion.prod.example.net', port: 2222, user: 'deploy' },
    });
    expect(cluster.peakWindows).toEqual({
      timezone: 'Asia/Shanghai',
      windows: [
        { name: 'weekday-morning', days: [1, 2, 3, 4, 5], fromMinute: 540, toMinute: 720 },
        { name: 'evening', days: [1, 2, 3, 4, 5, 6, 7], fromMinute: 1140, toMinute: 1410 },
        { name: 'batch-jobs', days: [6, 7], fromMinute: 60, toMinute: 180, triggers: ['schedule'] },
      ],
      freezes: [{ from: '2026-11-10T00:00', to: '2026-11-12T02:00', reason: 'Double 11' }],
      guardMs: 1_800_000,
    });
    expect(cluster.journalDir).toBe(`${repo}examples/two-directors-dr/.release`);
    expect(pipeline.drain).toMatchObject({ method: 'healthfile', connections: 'server', timeoutMs: 600_000 });
    expect(pipeline.drain.ramp).toBeUndefined();
    expect(pipeline.phases.prepare[1]).toMatchObject({ kind: 'upload', mode: 0o640 });
    expect(pipeline.phases.verify[1]).toMatchObject({
      kind: 'http',
      path: '/healthz',
      expect: { status: 200, body: '{{release}}', header: { 'X-Release': '{{release}}' } },
    });
    expect(pipeline.phases.deploy[1]).toMatchObject({ kind: 'app', action: 'reload', timeoutMs: 60_000 });
    expect(cluster.realServers.map((s) => s.app.reload)).toEqual(Array(6).fill('sudo -n systemctl reload php8.2-fpm'));
  });
});

describe('shipped pipelines', () => {
  it('healthfile has the same steps as symlink', async () => {
    const { parse } = await import('yaml');
    const [symlink, healthfile] = ['symlink', 'healthfile'].map(
      (name) => parse(readFileSync(`${PACKAGE_ROOT}pipelines/${name}.yaml`, 'utf8')) as { phases: unknown },
    );
    expect(healthfile!.phases).toEqual(symlink!.phases);
  });

  it('are exactly the files in pipelines/', () => {
    const files = readdirSync(`${PACKAGE_ROOT}pipelines`).filter((name) => name.endsWith('.yaml'));
    expect(files.map((name) => name.replace(/\.yaml$/, '')).sort()).toEqual([...SHIPPED_PIPELINES].sort());
  });

  it.each(SHIPPED_PIPELINES)('%s loads cleanly by name', async (name) => {
    const text = fixture('minimal.yaml')
      .replace('pipeline: pipeline.yaml', `pipeline: ${name}`)
      .replace('root: app', 'root: app\n  healthFile: app/shared/health.html\n  restart: sudo -n systemctl restart shop');
    const fs = memoryFs({ '/cfg/release.yaml': text });
    const realFs = {
      readFile: (path: string) => (path.startsWith('/cfg/') ? fs.readFile(path) : import('node:fs/promises').then((m) => m.readFile(path, 'utf8'))),
    };
    const result = await loadCluster('/cfg/release.yaml', { ...OPTIONS, fs: realFs });
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.warnings).toEqual([]);
    expect(result.pipeline.name).toBe(name);
    expect(result.pipeline.drain.method).toBe(name === 'healthfile' ? 'healthfile' : 'ipvsadm');
    expect(result.pipeline.phases.deploy.map((step) => step.name)).toEqual(['switch current', 'restart the app']);
    expect(result.pipeline.phases.verify.some((step) => step.kind === 'http')).toBe(true);
  });
});

// Issue 12 item 2: a pipeline per kind of app, each with the cluster file it is shown with.
describe('examples/pipelines/', () => {
  async function loadExample(name: string) {
    const result = await loadCluster(`examples/pipelines/${name}.release.yaml`, OPTIONS);
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.warnings).toEqual([]);
    return result;
  }

  it('are exactly the three apps, each pipeline with its cluster file', () => {
    const files = readdirSync(`${repo}examples/pipelines`).sort();
    expect(files).toEqual([
      'java-healthfile.release.yaml',
      'java-healthfile.yaml',
      'node-systemd.release.yaml',
      'node-systemd.yaml',
      'php-fpm.release.yaml',
      'php-fpm.yaml',
    ]);
  });

  it('php-fpm: shared .env and storage linked after the unpack, migrations once on the first server, FPM reloaded', async () => {
    const { pipeline, cluster } = await loadExample('php-fpm');
    expect(pipeline.phases.prepare.map((s) => s.kind)).toEqual(['run', 'upload', 'run', 'link', 'run']);
    expect(pipeline.phases.prepare[3]).toMatchObject({ kind: 'link', dirs: ['storage'], files: ['.env'] });
    expect(pipeline.before).toMatchObject({ on: { kind: 'first' }, steps: [{ name: 'migrate the database', timeoutMs: 600_000 }] });
    expect(pipeline.after).toMatchObject({ on: { kind: 'first' }, onFailure: 'warn' });
    expect(pipeline.phases.deploy[1]).toMatchObject({ kind: 'app', action: 'reload' });
    expect(pipeline.phases.rollback[1]).toMatchObject({ kind: 'app', action: 'reload' });
    expect(cluster.realServers.map((s) => s.app.reload)).toEqual(Array(4).fill('sudo -n systemctl reload php8.2-fpm'));
  });

  it('node-systemd: shared .env, migrations on the controller (argv, no shell), systemd restart, checks through SSH', async () => {
    const { pipeline, cluster } = await loadExample('node-systemd');
    expect(pipeline.phases.prepare.at(-1)).toMatchObject({ kind: 'link', dirs: [], files: ['.env'] });
    expect(pipeline.before).toMatchObject({
      on: { kind: 'controller' },
      steps: [{ argv: ['npm', 'run', '--silent', 'db:migrate', '--', '--release={{release}}'] }],
    });
    expect(pipeline.after).toBeUndefined();
    expect(pipeline.phases.deploy[1]).toMatchObject({ kind: 'app', action: 'restart' });
    expect(cluster.realServers.map((s) => [s.app.restart, s.app.smoke.via, s.app.smoke.port])).toEqual(
      Array(4).fill(['sudo -n systemctl restart shop-api', 'ssh', 3000]),
    );
    expect(cluster.realServers[0]!.ssh.jumpHost).toEqual({ host: 'bastion.example.net', port: 22, user: 'deploy' });
  });

  it('java-healthfile: drained by the health file kept in shared/, JVM restarted, the team told once from the controller', async () => {
    const { pipeline, cluster } = await loadExample('java-healthfile');
    expect(pipeline.drain).toMatchObject({ method: 'healthfile', connections: 'server' });
    expect(pipeline.phases.prepare.at(-1)).toMatchObject({ kind: 'link', dirs: ['logs'], files: ['config/application-prod.yml'] });
    expect(pipeline.before).toBeUndefined();
    expect(pipeline.after).toMatchObject({ on: { kind: 'controller' }, onFailure: 'warn' });
    expect(pipeline.phases.deploy[1]).toMatchObject({ kind: 'app', action: 'restart', timeoutMs: 120_000 });
    expect(cluster.realServers.map((s) => s.app.healthFile)).toEqual(Array(4).fill('/srv/shop-java/shared/health/ready.html'));
    expect(cluster.directors.map((d) => d.keepalived)).toEqual(['/etc/keepalived/keepalived.conf', '/etc/keepalived/keepalived.conf']);
  });
});
