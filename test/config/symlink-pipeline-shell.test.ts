// Runs the shipped symlink pipeline's shell steps for real (/bin/sh, a temp deploy root with a
// space in its name), to prove the layout, the atomic switch, rollback and cleanup.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, readFileSync, rmSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCluster } from '../../src/config/load.ts';
import { pipelineTemplateVars } from '../../src/config/pipeline-vars.ts';
import { formatProblems } from '../../src/config/problems.ts';
import type { Cluster, Pipeline, Step } from '../../src/config/types.ts';
import { renderArgv, renderShellTemplate, renderTemplate } from '../../src/shell/template.ts';
import { fixture } from './builders.ts';

let dir: string;
let root: string;
let cluster: Cluster;
let pipeline: Pipeline;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lvs-release-pipeline-'));
  root = join(dir, 'my app');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'app-ctl'), `#!/bin/sh\necho "$*" >> '${dir}/app-ctl.log'\n`);
  chmodSync(join(bin, 'app-ctl'), 0o755);
  env = { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
  writeFileSync(
    join(dir, 'release.yaml'),
    fixture('minimal.yaml').replace('pipeline: pipeline.yaml', 'pipeline: symlink').replace('root: app', `root: "${root}"\n  restart: app-ctl restart`),
  );
  const result = await loadCluster(join(dir, 'release.yaml'), { home: dir });
  if (!result.ok) throw new Error(formatProblems(result.problems));
  ({ cluster, pipeline } = result);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function artifact(release: string): string {
  const src = join(dir, `build-${release}`);
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'index.html'), `version ${release}\n`);
  const file = join(dir, `${release}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', src, '.']);
  return file;
}

/** Run one phase as the engine would: shell steps through /bin/sh (app steps: the cluster's command as written), uploads as a copy. */
function runPhase(phase: keyof Pipeline['phases'], release: string, previous?: string): void {
  const vars = pipelineTemplateVars({ cluster, pipeline, server: cluster.realServers[0]!, release, previous, artifact: join(dir, `${release}.tar.gz`) });
  for (const step of pipeline.phases[phase] as Step[]) {
    if (step.kind === 'run') {
      const command = step.cmd !== undefined ? renderShellTemplate(step.cmd, vars) : renderArgv(step.argv, vars);
      execFileSync('/bin/sh', ['-c', command], { env, cwd: dir, stdio: 'pipe' });
    } else if (step.kind === 'app') {
      execFileSync('/bin/sh', ['-c', cluster.realServers[0]!.app[step.action]!], { env, cwd: dir, stdio: 'pipe' });
    } else if (step.kind === 'upload') {
      copyFileSync(renderTemplate(step.from, vars), renderTemplate(step.to, vars));
    }
  }
}

const current = () => readlinkSync(join(root, 'current'));
const releases = () => readdirSync(join(root, 'releases')).sort();

describe('pipelines/symlink.yaml in a real shell', () => {
  it('prepares, switches atomically, verifies, rolls back and cleans up', () => {
    artifact('r1');
    runPhase('prepare', 'r1');
    expect(releases()).toEqual(['r1']);
    runPhase('deploy', 'r1');
    runPhase('verify', 'r1');
    expect(current()).toBe('releases/r1');
    expect(readFileSync(join(root, 'current', 'index.html'), 'utf8')).toBe('version r1\n');

    artifact('r2');
    runPhase('prepare', 'r2', 'r1');
    runPhase('prepare', 'r2', 'r1'); // a resumed run: idempotent
    runPhase('deploy', 'r2', 'r1');
    expect(current()).toBe('releases/r2');
    expect(releases()).toEqual(['r1', 'r2']);

    runPhase('rollback', 'r2', 'r1');
    runPhase('verify', 'r1');
    expect(current()).toBe('releases/r1');
    expect(readFileSync(join(dir, 'app-ctl.log'), 'utf8')).toBe('restart\nrestart\nrestart\n');
  });

  it('fails verify when current points to another release, or nowhere', () => {
    expect(() => runPhase('verify', 'r2')).toThrow();
    expect(() => runPhase('verify', 'no-such-release')).toThrow();
    expect(current()).toBe('releases/r1');
  });

  it('refuses to roll back without a previous release', () => {
    expect(() => runPhase('rollback', 'r2')).toThrow();
    expect(current()).toBe('releases/r1');
  });

  it('keeps the newest {{keep}} releases and never the release, previous or current', () => {
    const base = Date.now() / 1000;
    const names = ['old-current', 'old-previous', 'a', 'b', 'c', 'd', 'e', 'f', 'new'];
    rmSync(join(root, 'releases'), { recursive: true });
    for (const [i, name] of names.entries()) {
      mkdirSync(join(root, 'releases', name), { recursive: true });
      utimesSync(join(root, 'releases', name), base - 1000 + i, base - 1000 + i);
    }
    writeFileSync(join(root, 'releases', 'stray.tar.gz'), '');
    execFileSync('ln', ['-sfn', 'releases/old-current', join(root, 'current')]);
    runPhase('cleanup', 'a', 'old-previous');
    // keep = 5 newest by mtime: new, f, e, d, c; plus the release (a), previous and current.
    expect(releases()).toEqual(['a', 'c', 'd', 'e', 'f', 'new', 'old-current', 'old-previous', 'stray.tar.gz']);
  });

  it('cleans up on a first release, when there is no previous', () => {
    runPhase('cleanup', 'new');
    expect(releases()).toEqual(['c', 'd', 'e', 'f', 'new', 'old-current', 'stray.tar.gz']);
  });

  it('removes nothing while there are no more release directories than {{keep}}', () => {
    rmSync(join(root, 'releases', 'c'), { recursive: true });
    rmSync(join(root, 'releases', 'd'), { recursive: true });
    runPhase('cleanup', 'new', 'f');
    expect(releases()).toEqual(['e', 'f', 'new', 'old-current', 'stray.tar.gz']);
  });
});
