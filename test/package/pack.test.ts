// Issue 12 item 8: the package as a user gets it, with no checkout. A copy of the working tree is
// packed (`npm pack`, which builds dist/), the tarball installed globally into a temporary prefix,
// and the installed `release` run from a directory outside the checkout; the API is imported and
// type-checked from that prefix. The checkout is not touched; the temporary directory is removed.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_KINDS, schemaPath } from '../../src/config/json-schema.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const packageJson = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { name: string; version: string; engines: { node: string } };

// npm and the installed `release` (`#!/usr/bin/env node`) run on this Node; npm_* variables of an
// enclosing `npm test` are left out so they cannot steer the inner npm.
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_'))),
  PATH: [dirname(process.execPath), process.env['PATH']].join(delimiter),
  NO_COLOR: '1',
};

interface Packed {
  filename: string;
  size: number;
  entryCount: number;
  files: Array<{ path: string }>;
}

let tmp: string;
let packed: Packed;
let installed: string;
let bin: string;
let work: string;

/** A command's outcome, whatever its exit status. */
async function sh(file: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The working tree as git sees it (tracked and new files, minus ignored ones), without node_modules. */
async function copyWorkingTree(into: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter((f) => f && f.split('/')[0] !== 'node_modules')) {
    await cp(join(repo, file), join(into, file), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the working tree, not yet in the index
    });
  }
  await symlink(join(repo, 'node_modules'), join(into, 'node_modules'), 'dir');
}

const release = (...args: string[]) => sh(bin, args, work);

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lvs-release-pack-'));
  const source = join(tmp, 'source');
  const prefix = join(tmp, 'prefix');
  work = join(tmp, 'work');
  await Promise.all([mkdir(source), mkdir(prefix), mkdir(work)]);
  await copyWorkingTree(source);

  const pack = await sh('npm', ['pack', '--json', '--pack-destination', tmp], source);
  expect(pack.code, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout) as Packed[])[0] as Packed;
  console.log(`${packed.filename}: ${packed.size} bytes, ${packed.entryCount} files`);

  const install = await sh('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', join(tmp, packed.filename)], work);
  expect(install.code, install.stderr).toBe(0);
  installed = join(prefix, 'lib', 'node_modules', packageJson.name);
  bin = join(prefix, 'bin', 'release');
}, 600_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the tarball', () => {
  const paths = () => packed.files.map((f) => f.path);

  it('holds the CLI, the compiled code with its types, the schemas, the pipelines, the examples and the licence', () => {
    expect(paths()).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'bin/release.js',
        'dist/cli.js',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/lab/tools/client.mjs',
        'pipelines/symlink.yaml',
        'pipelines/healthfile.yaml',
        'examples/two-directors-dr/release.yaml',
        ...SCHEMA_KINDS.map(schemaPath),
      ]),
    );
  });

  it('holds no sources, tests, test doubles, lab or journal directories, or keys', () => {
    const unwanted =
      /^(src|test|bench|scripts|docs|node_modules)\/|(^|\/)\.(lab|release|git|ci)\/|fake|(^|\/)(id_[a-z0-9_]+(\.pub)?|known_hosts|[^/]*\.(pem|key|tgz))$/;
    expect(paths().filter((path) => unwanted.test(path))).toEqual([]);
  });

  it('holds no private key inside any file', async () => {
    const withKeys: string[] = [];
    for (const path of paths()) {
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=]{40}/.test(await readFile(join(installed, path), 'utf8'))) withKeys.push(path);
    }
    expect(withKeys).toEqual([]);
  });
});

describe('the installed `release`, outside any checkout', () => {
  it('release --help', async () => {
    const result = await release('--help');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: release /);
    expect(result.stdout).toMatch(/\n {2}schema /);
  });

  it('release --version prints the version of package.json', async () => {
    expect(await release('--version')).toMatchObject({ code: 0, stdout: `${packageJson.version}\n` });
  });

  it('release validate on a shipped example copied out of the package', async () => {
    await cp(join(installed, 'examples', 'two-directors-dr'), join(work, 'dr'), { recursive: true });
    const result = await release('validate', '-c', 'dr/release.yaml');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ok: .*dr\/release\.yaml: cluster "web-prod", 2 director\(s\).*pipeline "shop-dr"/);
  });

  it('release validate on the broken example: its five mistakes, exit 2 (it uses the shipped pipeline "symlink")', async () => {
    await cp(join(installed, 'examples', 'broken', 'release.yaml'), join(work, 'broken.yaml'));
    const result = await release('validate', '-c', 'broken.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr.match(/^broken\.yaml:\d+:\d+ /gm)).toHaveLength(5);
    expect(result.stderr).not.toMatch(/pipeline/);
  });

  it.each(SCHEMA_KINDS)('release schema %s prints the schema shipped in dist/', async (kind) => {
    const result = await release('schema', kind);
    expect(result.code, result.stderr).toBe(0);
    const shipped = JSON.parse(await readFile(join(installed, schemaPath(kind)), 'utf8')) as unknown;
    expect(JSON.parse(result.stdout)).toEqual(shipped);
  });
});

describe("the API, import('lvs-release') from the prefix", () => {
  it('imports and loads a cluster file', async () => {
    const script = `
      const api = await import('lvs-release');
      const result = await api.loadCluster(${JSON.stringify(join(work, 'api', 'release.yaml'))});
      console.log(JSON.stringify({ exports: Object.keys(api).sort(), version: api.VERSION, ok: result.ok, cluster: result.ok && result.cluster.name }));`;
    await cp(join(installed, 'examples', 'two-directors-dr'), join(work, 'api'), { recursive: true });
    const result = await sh(process.execPath, ['--input-type=module', '-e', script], dirname(installed));
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { exports: string[]; version: string; ok: boolean; cluster: string };
    expect(out).toMatchObject({ version: packageJson.version, ok: true, cluster: 'web-prod' });
    expect(out.exports).toEqual(expect.arrayContaining(['loadCluster', 'formatProblems', 'buildJsonSchema', 'ReleaseError', 'EXIT', 'VERSION']));
  });

  it('its types resolve for a TypeScript user (nodenext)', async () => {
    const project = dirname(installed);
    await writeFile(
      join(project, 'consumer.ts'),
      [
        "import { loadCluster, type Cluster, type LoadResult } from 'lvs-release';",
        "const result: LoadResult = await loadCluster('release.yaml');",
        'if (result.ok) {',
        '  const cluster: Cluster = result.cluster;',
        '  const name: string = cluster.name;',
        '  // @ts-expect-error: a name is a string (fails if the types fell back to any)',
        '  const wrong: number = cluster.name;',
        '  console.log(name, wrong);',
        '}',
      ].join('\n'),
    );
    await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
    const compilerOptions = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2023',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(repo, 'node_modules', '@types')],
    };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    const tsc = await sh(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });
});

it('the examples name schema files the package ships', async () => {
  const names = new Set<string>();
  for (const dir of ['examples/two-directors-dr', 'examples/broken', 'pipelines']) {
    for (const file of (await readdir(join(installed, dir))).filter((f) => f.endsWith('.yaml'))) {
      const first = (await readFile(join(installed, dir, file), 'utf8')).split('\n')[0] as string;
      names.add(/\/npm\/lvs-release@\d+\/(.+)$/.exec(first)?.[1] ?? first);
    }
  }
  expect([...names].sort()).toEqual(SCHEMA_KINDS.map(schemaPath).sort());
});
