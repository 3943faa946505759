import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import type { SFTPWrapper } from 'ssh2';
import { connect, openSftp, startTestHost, type TestHost } from './support.ts';

const { STATUS_CODE } = ssh2.utils.sftp;

describe('lab SSH host: SFTP (ssh2 client)', () => {
  let t: TestHost;
  let conn: ssh2.Client;
  let sftp: SFTPWrapper;

  beforeAll(async () => {
    t = await startTestHost();
    conn = await connect({ port: t.host.port, privateKey: t.userKey.privateKey });
    sftp = await openSftp(conn);
  });
  afterAll(async () => {
    conn?.end();
    await t?.cleanup();
  });

  it('fastPut uploads a 5 MB file byte for byte, to a path relative to the host dir', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const local = join(t.root, 'big.bin');
    await writeFile(local, data);
    const t0 = performance.now();
    await promisify(sftp.fastPut.bind(sftp))(local, 'big.bin');
    console.log(`sftp fastPut 5 MB: ${(performance.now() - t0).toFixed(0)} ms`);
    const st = await promisify(sftp.stat.bind(sftp))('big.bin');
    expect(st.size).toBe(data.length);
    expect(st.isFile()).toBe(true);
    expect(readFileSync(join(t.dir, 'big.bin')).equals(data)).toBe(true);
  });

  it('fastGet downloads what it finds (READ until EOF)', async () => {
    await writeFile(join(t.dir, 'down.txt'), 'x'.repeat(100_000));
    const local = join(t.root, 'down.txt');
    await promisify(sftp.fastGet.bind(sftp))('down.txt', local);
    expect(readFileSync(local, 'utf8')).toBe('x'.repeat(100_000));
  });

  it('accepts absolute paths as they are', async () => {
    const abs = join(t.root, 'abs.txt');
    await new Promise<void>((r, j) => sftp.writeFile(abs, 'abs', (e) => (e ? j(e) : r())));
    expect(readFileSync(abs, 'utf8')).toBe('abs');
  });

  it('makes, lists, renames, links and removes', async () => {
    const p = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> => new Promise((r, j) => fn((e, v) => (e ? j(e) : r(v as T))));
    await p((cb) => sftp.mkdir('rel', cb));
    await p((cb) => sftp.writeFile('rel/a.txt', 'A', cb));
    await p((cb) => sftp.rename('rel/a.txt', 'rel/b.txt', cb));
    await p((cb) => sftp.symlink('b.txt', 'rel/link', cb));
    expect(await readlink(join(t.dir, 'rel/link'))).toBe('b.txt');
    expect(await p<string>((cb) => sftp.readlink('rel/link', cb))).toBe('b.txt');
    const lst = await p<ssh2.Stats>((cb) => sftp.lstat('rel/link', cb));
    expect(lst.isSymbolicLink()).toBe(true);
    await p((cb) => sftp.chmod('rel/b.txt', 0o600, cb));
    expect((await p<ssh2.Stats>((cb) => sftp.stat('rel/b.txt', cb))).mode & 0o777).toBe(0o600);
    const names = (await p<ssh2.FileEntry[]>((cb) => sftp.readdir('rel', cb))).map((e) => e.filename).sort();
    expect(names).toEqual(['b.txt', 'link']);
    expect(await p<string>((cb) => sftp.realpath('rel', cb))).toBe(join(t.dir, 'rel'));
    await p((cb) => sftp.unlink('rel/link', cb));
    await p((cb) => sftp.unlink('rel/b.txt', cb));
    await p((cb) => sftp.rmdir('rel', cb));
    await expect(p((cb) => sftp.stat('rel', cb))).rejects.toMatchObject({ code: STATUS_CODE.NO_SUCH_FILE });
  });

  it('answers with the status codes a real server sends', async () => {
    const code = (fn: (cb: (err: Error | null | undefined) => void) => void): Promise<unknown> =>
      new Promise((r) => fn((e) => r((e as { code?: unknown } | null | undefined)?.code)));
    expect(await code((cb) => sftp.stat('missing', cb))).toBe(STATUS_CODE.NO_SUCH_FILE);
    expect(await code((cb) => sftp.open('missing/x', 'r', cb))).toBe(STATUS_CODE.NO_SUCH_FILE);
    expect(await code((cb) => sftp.unlink('missing', cb))).toBe(STATUS_CODE.NO_SUCH_FILE);
    expect(await code((cb) => sftp.mkdir('/proc/nope', cb))).not.toBe(STATUS_CODE.OK);
    await writeFile(join(t.dir, 'one'), '1');
    await writeFile(join(t.dir, 'two'), '2');
    expect(await code((cb) => sftp.rename('one', 'two', cb))).toBe(STATUS_CODE.FAILURE);
    expect(await code((cb) => sftp.rmdir('one', cb))).toBe(STATUS_CODE.NO_SUCH_FILE); // ENOTDIR, as OpenSSH maps it
  });
});
