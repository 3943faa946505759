import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProcCatShim, writeToolShims } from '../../../src/lab/tools/shims.ts';

const run = (file: string, args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(file, args, { env: { PATH: '/usr/bin:/bin', ...env } }).then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => ({ stdout: e.stdout, stderr: e.stderr, code: e.code }),
  );

describe('lab tool shims', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sudo -n runs the command itself (the lab has no root), with its args and exit code', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab shims '));
    const [sudo] = await writeToolShims(dir, ['sudo']);
    expect(statSync(sudo!).mode & 0o777).toBe(0o755);
    expect(await run(sudo!, ['-n', 'printf', '%s|', 'a b', 'c'])).toMatchObject({ stdout: 'a b|c|', code: 0 });
    expect(await run(sudo!, ['-n', '-u', 'root', '--', 'sh', '-c', 'exit 6'])).toMatchObject({ code: 6 });
    expect(await run(sudo!, ['-n'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/usage/) });
    expect(await run(sudo!, ['-i', 'true'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/not supported/) });
  });

  it('bridge shims exec the recorded node on the client, quoting paths with spaces', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab shims '));
    const [shim] = await writeToolShims(dir, ['ipvsadm'], { nodePath: '/opt/my node/bin/node', clientPath: "/x/it's/client.mjs" });
    expect(readFileSync(shim!, 'utf8')).toBe(
      `#!/bin/sh\n# lab tool "ipvsadm": forwards to the lab process over $LAB_SOCKET\nexec '/opt/my node/bin/node' '/x/it'\\''s/client.mjs' 'ipvsadm' "$@"\n`,
    );
  });

  it('a bridge shim with the default node and client reaches the client', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab shims '));
    const [shim] = await writeToolShims(dir, ['app-ctl']);
    const r = await run(shim!, ['status']);
    expect(r.code).toBe(255);
    expect(r.stderr).toBe('app-ctl: LAB_SOCKET is not set: lab tools run only inside the lab\n');
  });

  it('the cat wrapper sends /proc/sys and /proc/net/ip_vs* reads to the lab, everything else to the real cat', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab shims '));
    const bridge = join(dir, 'bridge');
    await writeFile(bridge, '#!/bin/sh\necho "lab: $*"\n', { mode: 0o755 });
    const cat = join(dir, 'cat');
    await writeFile(cat, buildProcCatShim(bridge, '/bin/cat'), { mode: 0o755 });
    await writeFile(join(dir, 'file'), 'plain\n');
    expect(await run(cat, ['/proc/sys/net/ipv4/ip_forward'])).toMatchObject({ stdout: 'lab: /proc/sys/net/ipv4/ip_forward\n', code: 0 });
    expect(await run(cat, [join(dir, 'file'), '/proc/net/ip_vs_conn'])).toMatchObject({ stdout: `lab: ${join(dir, 'file')} /proc/net/ip_vs_conn\n` });
    expect(await run(cat, [join(dir, 'file')])).toMatchObject({ stdout: 'plain\n', code: 0 });
    expect(await run(cat, ['/proc/self/nope'])).toMatchObject({ code: 1 });
  });

  it('refuses tool names that are not plain file names', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab shims '));
    await expect(writeToolShims(dir, ['../evil'])).rejects.toThrow(/bad lab tool name/);
    await expect(writeToolShims(dir, ['-rf'])).rejects.toThrow(/bad lab tool name/);
  });
});
