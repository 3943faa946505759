// Issue 12 item 2 in the loader: linkedDirs/linkedFiles with `link: shared`, the `{{shared}}`
// variable, and the run-once phases `before`/`after`: shape, normalized form, and every rule
// (the templates of the new steps are checked like every other template), all problems at once.
import { describe, expect, it } from 'vitest';
import { loadCluster } from '../../src/config/load.ts';
import { linkedPathProblem, sharedLinkTarget } from '../../src/config/linked-paths.ts';
import { formatProblems } from '../../src/config/problems.ts';
import { clusterFiles, LOAD, memoryFs } from './builders.ts';

const PIPELINE = `name: php
linkedDirs: [storage, var/log]
linkedFiles: [.env, config/app.php]
before:
  on: first
  steps:
    - name: migrate
      run: cd {{shared}}/../releases/{{release}} && php artisan migrate --force
after:
  on: controller
  onFailure: rollback
  steps:
    - run: { argv: [curl, -fsS, "https://chat.example.net/hook?release={{release}}"], timeout: 10s }
phases:
  prepare:
    - run: mkdir -p {{root}}/releases/{{release}}
    - link: shared
  deploy:
    - run: ln -sfn releases/{{release}} {{root}}/current
  verify:
    - http: { path: /health }
  rollback:
    - run: ln -sfn releases/{{previous}} {{root}}/current
`;

async function load(pipeline: string, edit: (text: string) => string = (text) => text) {
  return loadCluster('/cfg/release.yaml', { ...LOAD, fs: memoryFs(clusterFiles(edit, pipeline)) });
}

async function problemsOf(pipeline: string, edit?: (text: string) => string): Promise<string[]> {
  const result = await load(pipeline, edit);
  if (result.ok) throw new Error('loaded');
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('a pipeline with shared files and run-once phases', () => {
  it('loads: the link step carries the linked paths, before/after their place and run steps', async () => {
    const result = await load(PIPELINE);
    if (!result.ok) throw new Error(formatProblems(result.problems));
    const { pipeline } = result;
    expect(result.warnings).toEqual([]);
    expect(pipeline.phases.prepare[1]).toEqual({
      kind: 'link',
      name: 'link shared files',
      source: '/cfg/pipeline.yaml:17',
      dirs: ['storage', 'var/log'],
      files: ['.env', 'config/app.php'],
      timeoutMs: 120_000,
    });
    expect(pipeline.before).toEqual({
      on: { kind: 'first' },
      steps: [
        {
          kind: 'run',
          name: 'migrate',
          source: '/cfg/pipeline.yaml:7',
          timeoutMs: 120_000,
          sudo: false,
          cmd: 'cd {{shared}}/../releases/{{release}} && php artisan migrate --force',
        },
      ],
    });
    expect(pipeline.after).toMatchObject({
      on: { kind: 'controller' },
      onFailure: 'rollback',
      steps: [{ kind: 'run', timeoutMs: 10_000, argv: ['curl', '-fsS', 'https://chat.example.net/hook?release={{release}}'] }],
    });
  });

  it('names a server in `on`, and defaults after.onFailure to warn', async () => {
    const result = await load(PIPELINE.replace('on: first', 'on: web2').replace('  onFailure: rollback\n', ''));
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.pipeline.before?.on).toEqual({ kind: 'server', name: 'web2' });
    expect(result.pipeline.after?.onFailure).toBe('warn');
  });

  it('a pipeline without them has none', async () => {
    const result = await load(
      PIPELINE.replace(/^before:[\s\S]*?(?=^phases:)/m, '')
        .replace(/^linked.*\n/gm, '')
        .replace('    - link: shared\n', ''),
    );
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.pipeline.before).toBeUndefined();
    expect(result.pipeline.after).toBeUndefined();
    expect(result.pipeline.phases.prepare.map((s) => s.kind)).toEqual(['run']);
  });
});

describe('the rules', () => {
  it('refuse linked paths that are not clean relative paths, or overlap, each at its place', async () => {
    const pipeline = PIPELINE.replace(
      'linkedDirs: [storage, var/log]',
      'linkedDirs: [storage, /var/log, "logs/", a/../b, "{{release}}", storage/framework, "", ./x]',
    ).replace('linkedFiles: [.env, config/app.php]', 'linkedFiles: [.env, .env, storage/x.txt]');
    expect(await problemsOf(pipeline)).toEqual([
      'linkedDirs[1]: "/var/log" is absolute',
      'linkedDirs[2]: "logs/" ends with "/"',
      'linkedDirs[3]: "a/../b" has an empty, "." or ".." segment',
      'linkedDirs[4]: "{{release}}" is a plain path, not a template',
      'linkedDirs[5]: "storage/framework" overlaps linkedDirs[0] ("storage")',
      'linkedDirs[6]: "" is empty',
      'linkedDirs[7]: "./x" has an empty, "." or ".." segment',
      'linkedFiles[1]: ".env" is listed twice',
      'linkedFiles[2]: "storage/x.txt" overlaps linkedDirs[0] ("storage")',
    ]);
  });

  it('want `link: shared` in prepare when paths are linked, and warn about one that links nothing', async () => {
    expect(await problemsOf(PIPELINE.replace('    - link: shared\n', ''))).toEqual(['linkedFiles: linkedFiles is set, but no step links it']);
    const inDeploy = PIPELINE.replace('    - link: shared\n', '').replace('  deploy:\n', '  deploy:\n    - link: shared\n');
    expect(await problemsOf(inDeploy)).toEqual(['linkedFiles: linkedFiles is set, but no step links it', 'phases.deploy[0].link: link: shared is in deploy']);
    const nothing = await load(PIPELINE.replace(/^linked.*\n/gm, ''));
    if (!nothing.ok) throw new Error(formatProblems(nothing.problems));
    expect(nothing.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual(['phases.prepare[1].link: link: shared links nothing']);
  });

  it('check the templates of before/after like every other: names, quotes, and a server value on the controller', async () => {
    const pipeline = PIPELINE.replace('cd {{shared}}/../releases/{{release}}', 'cd "{{shared}}"/../releases/{{relase}}').replace(
      'argv: [curl, -fsS, "https://chat.example.net/hook?release={{release}}"]',
      'argv: [curl, "{{server.host}}", "{{root}}/x"], sudo: true',
    );
    const problems = await problemsOf(pipeline);
    expect(problems).toEqual([
      'before.steps[0].run: {{shared}} is inside double quotes',
      'before.steps[0].run: unknown variable {{relase}}',
      "after.steps[0].run.argv[1]: {{server.host}} is a server's value, but this step runs on the controller (on: controller)",
      "after.steps[0].run.argv[2]: {{root}} is a server's value, but this step runs on the controller (on: controller)",
      'after.steps[0].run.sudo: a step on the controller cannot run with sudo',
    ]);
  });

  it('refuse `on` that is no server of the cluster file, with a suggestion', async () => {
    const result = await load(PIPELINE.replace('on: first', 'on: web3').replace('on: controller', 'on: controler'));
    if (result.ok) throw new Error('loaded');
    expect(formatProblems(result.problems)).toBe(
      [
        '/cfg/pipeline.yaml:5:7 before.on: "web3" is neither a real server of the cluster file nor first or controller. Fix: did you mean "web1"?',
        '/cfg/pipeline.yaml:10:7 after.on: "controler" is neither a real server of the cluster file nor first or controller. Fix: did you mean "controller"?',
      ].join('\n'),
    );
  });

  it('need app.root for link: shared and {{shared}}, naming why', async () => {
    const noRoot = (text: string) => text.replace('app:\n  root: app\n', '');
    const withoutRootVar = PIPELINE.replaceAll('{{root}}', '.').replace('cd {{shared}}/../releases/{{release}} && ', '');
    expect(await problemsOf(withoutRootVar, noRoot)).toEqual([
      'realServers: app.root is not set, but the pipeline links shared files into {{root}}/releases (link: shared)',
    ]);
    const sharedOnly = PIPELINE.replaceAll('{{root}}', '.')
      .replace(/^linked.*\n/gm, '')
      .replace('    - link: shared\n', '');
    expect(await problemsOf(sharedOnly, noRoot)).toEqual(['realServers: app.root is not set, but the pipeline uses {{shared}} ({{root}}/shared)']);
  });
});

describe('app.smoke.via', () => {
  it('is direct by default, ssh when asked, per server too', async () => {
    const result = await load(PIPELINE, (text) =>
      text
        .replace('root: app', 'root: app\n  smoke: { via: ssh }')
        .replace('name: web2, port: 9002,', 'name: web2, port: 9002, app: { smoke: { via: direct } },'),
    );
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.cluster.realServers.map((s) => s.app.smoke.via)).toEqual(['ssh', 'direct']);
    const plain = await load(PIPELINE);
    expect(plain.ok && plain.cluster.realServers.map((s) => s.app.smoke.via)).toEqual(['direct', 'direct']);
    expect(await problemsOf(PIPELINE, (text) => text.replace('root: app', 'root: app\n  smoke: { via: tunnel }'))).toEqual([
      expect.stringMatching(/^app\.smoke\.via: /),
    ]);
  });
});

describe('linked paths', () => {
  it('link to shared/ relative to where the link sits in <root>/releases/<id>', () => {
    expect(sharedLinkTarget('.env')).toBe('../../shared/.env');
    expect(sharedLinkTarget('var/log')).toBe('../../../shared/var/log');
    expect(sharedLinkTarget('a/b/c.php')).toBe('../../../../shared/a/b/c.php');
  });

  it('are clean relative paths, whatever their characters', () => {
    expect(linkedPathProblem("conf/it's $(id) `x`;.env")).toBeUndefined();
    expect(linkedPathProblem('-rf')).toBeUndefined();
    expect(linkedPathProblem('a\nb')).toBe('holds a line break or NUL');
    expect(linkedPathProblem('a//b')).toBe('has an empty, "." or ".." segment');
  });
});
