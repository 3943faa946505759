// Issue 12 item 8: under a Node older than the one package.json's `engines` names, `release` exits 2
// with one line naming the version it needs, before it imports anything an old Node cannot load.
// Run on a real old Node when this machine has one, and on this Node with its version faked.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const entry = join(repo, 'bin', 'release.js');
const packageJson = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
const NEEDED = /^>=(\d+\.\d+)$/.exec(packageJson.engines.node)?.[1];

async function release(node: string, preload: string[], args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(node, [...preload, entry, ...args], { cwd: repo });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** `--import` of a module that makes this Node report `version`. */
const pretending = (version: string) => [`--import=data:text/javascript,Object.defineProperty(process.versions,'node',{value:'${version}'})`];

const isOlder = (version: string) => {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const [needMajor = 0, needMinor = 0] = (NEEDED ?? '0.0').split('.').map(Number);
  return major < needMajor || (major === needMajor && minor < needMinor);
};

/** A Node on this machine older than NEEDED (the system's node, beside the project's own), if any. */
async function findOldNode(): Promise<{ path: string; version: string } | undefined> {
  const candidates = new Set(
    [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/local/bin', '/bin']
      .map((dir) => join(dir, 'node'))
      .filter((path) => existsSync(path))
      .map((path) => realpathSync(path)),
  );
  for (const path of candidates) {
    const version = (await run(path, ['--version']).catch(() => ({ stdout: '' }))).stdout.trim();
    if (version && isOlder(version)) return { path, version: version.replace(/^v/, '') };
  }
  return undefined;
}

const oldNode = await findOldNode();

describe('the Node version check of bin/release.js', () => {
  it('needs what package.json says', () => {
    expect(NEEDED).toBeDefined();
    expect(readFileSync(entry, 'utf8')).toContain(`var NEEDED = [${NEEDED?.split('.').join(', ')}];`);
  });

  it.runIf(oldNode)(`refuses on this machine's old Node (${oldNode?.path ?? 'none found'}) with exit 2 and one line`, async () => {
    const result = await release(oldNode!.path, [], ['--version']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `release: lvs-release needs Node.js ${NEEDED} or newer; this is Node.js ${oldNode!.version} (${oldNode!.path}).\n`,
    });
  });

  it.each(['22.12.0', '20.19.2', '18.20.8', '10.24.1'])('refuses Node %s with exit 2 and one line naming the version it needs', async (version) => {
    const result = await release(process.execPath, pretending(version), ['--version']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(`release: lvs-release needs Node.js ${NEEDED} or newer; this is Node.js ${version} (${process.execPath}).\n`);
  });

  it.each(['22.13.0', '22.20.0', '23.0.0', '24.1.0'])('runs on Node %s', async (version) => {
    expect(await release(process.execPath, pretending(version), ['--version'])).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
  });
});
