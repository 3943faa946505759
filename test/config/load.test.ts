import { describe, expect, it } from 'vitest';
import { loadCluster } from '../../src/config/load.ts';
import type { LoadResult } from '../../src/config/load.ts';
import { clusterFiles, fixture, LOAD, memoryFs } from './builders.ts';

async function load(files: Record<string, string>, path = '/cfg/release.yaml'): Promise<LoadResult> {
  return loadCluster(path, { ...LOAD, fs: memoryFs(files) });
}

function problemsOf(result: LoadResult) {
  if (result.ok) throw new Error('expected problems, the load succeeded');
  return result.problems;
}

describe('loadCluster', () => {
  it('loads and normalizes a valid cluster and its pipeline', async () => {
    const result = await load(clusterFiles());
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const { cluster, pipeline } = result;
    expect(cluster.name).toBe('lab');
    expect(cluster.file).toBe('/cfg/release.yaml');
    expect(cluster.pipelineFile).toBe('/cfg/pipeline.yaml');
    expect(cluster.journalDir).toBe('/cfg/.release');
    expect(cluster.concurrency).toBe(20);
    expect(cluster.peakWindows).toBeUndefined();
    expect(cluster.services).toEqual([{ key: { kind: 'addr', protocol: 'tcp', family: 'inet', address: '127.0.0.1', port: 8080 } }]);
    expect(cluster.directors[0]).toEqual({
      host: '127.0.0.1',
      name: 'lvs1',
      ssh: {
        user: 'lab',
        port: 2201,
        identityFile: '/cfg/keys/id_ed25519',
        knownHosts: '/cfg/known_hosts',
        sudo: false,
        connectTimeoutMs: 10_000,
        maxSessions: 8,
      },
    });
    const web2 = cluster.realServers[1]!;
    expect(web2).toMatchObject({ host: '127.0.0.1', name: 'web2', address: '127.0.0.1', family: 'inet', port: 9002 });
    expect(web2.destinations).toEqual([{ service: cluster.services[0]!.key, endpoint: { family: 'inet', address: '127.0.0.1', port: 9002 } }]);
    expect(web2.app).toEqual({ root: 'app', smoke: { scheme: 'http', port: 9002, via: 'direct' } });
    expect(web2.ssh.port).toBe(2212);

    expect(pipeline.name).toBe('tiny');
    expect(pipeline.drain).toEqual({
      method: 'ipvsadm',
      connections: 'director',
      threshold: 0,
      settleMs: 2000,
      timeoutMs: 300_000,
      onTimeout: 'fail',
      pollMs: 1000,
    });
    expect(pipeline.rollback).toBe('all');
    expect(pipeline.keepReleases).toBe(5);
    expect(pipeline.phases.deploy[0]).toMatchObject({ kind: 'run', timeoutMs: 120_000, sudo: false, source: '/cfg/pipeline.yaml:4' });
    expect(pipeline.phases.rollback[0]).toMatchObject({ kind: 'run', argv: ['ln', '-sfn', 'releases/{{previous}}', '{{root}}/current'] });
    expect(pipeline.phases.verify[0]).toMatchObject({
      kind: 'http',
      path: '/health',
      method: 'GET',
      expect: { status: 200 },
      retries: 10,
      intervalMs: 1000,
      timeoutMs: 5000,
    });
    expect(pipeline.phases.prepare).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('expands ~ with the injected home', async () => {
    const result = await load(
      clusterFiles((text) =>
        text.replace('identityFile: keys/id_ed25519', 'identityFile: ~/.ssh/id_ed25519').replace('knownHosts: known_hosts', 'knownHosts: ~/kh'),
      ),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.cluster.realServers[0]!.ssh.identityFile).toBe('/home/ops/.ssh/id_ed25519');
    expect(result.cluster.realServers[0]!.ssh.knownHosts).toBe('/home/ops/kh');
  });

  it('resolves a relative cluster path from cwd and shows problems with the path as given', async () => {
    const fs = memoryFs(clusterFiles((text) => text.replace('vip: 127.0.0.1:8080', 'vip: 127.0.0.1')));
    const result = await loadCluster('release.yaml', { fs, home: '/h', cwd: '/cfg' });
    expect(fs.reads).toContain('/cfg/release.yaml');
    expect(problemsOf(result)[0]).toMatchObject({ file: 'release.yaml', line: 7, column: 10, path: 'services[0].vip' });
  });

  it('ignores top-level x- keys, so anchors can hold shared blocks', async () => {
    const result = await load(clusterFiles((text) => `x-ssh: &web { port: 2299 }\n${text.replace('ssh: { port: 2211 }', 'ssh: { <<: *web }')}`));
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.cluster.realServers[0]!.ssh.port).toBe(2299);
  });

  it('reports a missing cluster file without a line', async () => {
    expect(problemsOf(await load({}))).toEqual([
      expect.objectContaining({ file: '/cfg/release.yaml', path: '', message: 'cannot read the cluster file: no such file' }),
    ]);
  });

  it("reports a missing pipeline at the cluster file's pipeline line", async () => {
    const files = clusterFiles();
    delete files['/cfg/pipeline.yaml'];
    const [problem, ...rest] = problemsOf(await load(files));
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ file: '/cfg/release.yaml', line: 17, column: 11, path: 'pipeline' });
    expect(problem?.message).toContain('cannot read pipeline "pipeline.yaml" (/cfg/pipeline.yaml)');
  });

  it('finds a shipped pipeline by name in the package root', async () => {
    const fs = memoryFs({
      '/cfg/release.yaml': fixture('minimal.yaml').replace('pipeline: pipeline.yaml', 'pipeline: symlink'),
      '/pkg/pipelines/symlink.yaml': fixture('pipeline.yaml'),
    });
    const result = await loadCluster('/cfg/release.yaml', { ...LOAD, fs, packageRoot: '/pkg' });
    expect(result.ok && result.cluster.pipelineFile).toBe('/pkg/pipelines/symlink.yaml');
  });

  it('defaults to the shipped symlink pipeline', async () => {
    const fs = memoryFs({ '/cfg/release.yaml': fixture('minimal.yaml').replace('pipeline: pipeline.yaml\n', '') });
    await loadCluster('/cfg/release.yaml', { ...LOAD, fs, packageRoot: '/pkg' });
    expect(fs.reads).toEqual(['/cfg/release.yaml', '/pkg/pipelines/symlink.yaml']);
  });

  it('reports the problems of both files together, each with its own file and line', async () => {
    const files = clusterFiles(
      (text) => text.replace('address: 10', '').replace('name: web2, port: 9002', 'name: web2, address: 10.0.1.x, port: 9002'),
      fixture('pipeline.yaml').replace('path: /health', 'path: /health, retires: 3'),
    );
    const problems = problemsOf(await load(files));
    expect(problems.map((p) => [p.file, p.line, p.path])).toEqual([
      ['/cfg/release.yaml', 10, 'realServers[1].address'],
      ['/cfg/pipeline.yaml', 6, 'phases.verify[0].http.retires'],
    ]);
    expect(problems[1]?.hint).toBe('did you mean "retries"?');
  });

  it('reports YAML syntax errors with lines, and still the shape problems it can read', async () => {
    const problems = problemsOf(await load({ '/cfg/release.yaml': fixture('yaml-errors.yaml'), '/cfg/pipeline.yaml': fixture('pipeline.yaml') }));
    const yaml = problems.filter((p) => p.message.startsWith('YAML:'));
    // The unclosed flow sequence of line 7 is noticed at the end of the file.
    expect(yaml.map((p) => p.line)).toEqual([4, 6, 8]);
    expect(yaml[2]?.message).toContain('end with a ]');
    expect(yaml[0]?.message).toContain('unique');
    expect(yaml[1]?.hint).toContain('tabs');
  });

  it('reports an empty file as one problem', async () => {
    const problems = problemsOf(await load({ '/cfg/release.yaml': '' }));
    expect(problems).toEqual([expect.objectContaining({ path: '', message: 'expected a mapping, got nothing' })]);
  });

  it('places cross-file findings in the cluster file', async () => {
    const problems = problemsOf(await load(clusterFiles((text) => text.replace('app:\n  root: app\n', ''))));
    expect(problems).toEqual([
      expect.objectContaining({ file: '/cfg/release.yaml', path: 'realServers', message: 'app.root is not set, but the pipeline uses {{root}}' }),
    ]);
  });

  it('takes ssh.passphraseEnv (the NAME of the variable holding the key passphrase), per host too', async () => {
    const result = await load(
      clusterFiles((text) =>
        text
          .replace('knownHosts: known_hosts', 'knownHosts: known_hosts\n  passphraseEnv: DEPLOY_KEY_PASS')
          .replace('ssh: { port: 2212 }', 'ssh: { port: 2212, passphraseEnv: CANARY_KEY_PASS }'),
      ),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.cluster.directors[0]!.ssh.passphraseEnv).toBe('DEPLOY_KEY_PASS');
    expect(result.cluster.realServers.map((s) => s.ssh.passphraseEnv)).toEqual(['DEPLOY_KEY_PASS', 'CANARY_KEY_PASS']);
  });

  it('refuses an ssh.passphraseEnv that is not a variable name, without echoing it (it may be the passphrase itself)', async () => {
    const problems = problemsOf(
      await load(clusterFiles((text) => text.replace('knownHosts: known_hosts', 'knownHosts: known_hosts\n  passphraseEnv: "correct horse battery"'))),
    );
    expect(problems).toEqual([expect.objectContaining({ file: '/cfg/release.yaml', line: 15, path: 'ssh.passphraseEnv' })]);
    expect(JSON.stringify(problems)).not.toContain('horse');
    expect(problems[0]!.hint).toContain('name of an environment variable');
  });
});
