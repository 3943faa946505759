// SFTP upload against a real sshd: progress, `.part` then rename, mode, overwrite, abort.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../helpers/sshd.ts';
import type { HostSession, Transport } from '../../src/transport/types.ts';
import { targetOf, transportFor } from './support.ts';

let sshd: Sshd;
let transport: Transport;
let session: HostSession;
let artifact: string;
let remoteDir: string;
const SIZE = 5 * 1024 * 1024;

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(async () => {
  sshd = await startSshd();
  transport = transportFor(sshd);
  session = await transport.connect(targetOf(sshd));
  artifact = join(sshd.dir, 'artifact.tar.gz');
  writeFileSync(artifact, randomBytes(SIZE));
  remoteDir = join(sshd.dir, 'remote');
  mkdirSync(remoteDir);
});

afterAll(async () => {
  await session?.close();
  await transport?.close();
  await sshd?.stop();
});

describe('upload', () => {
  it('uploads 5 MB through .part, reporting progress, then renames', async () => {
    const remotePath = join(remoteDir, 'release-1.tar.gz');
    const progress: { sent: number; total: number; partExists: boolean; finalExists: boolean }[] = [];
    const result = await session.upload({
      localPath: artifact,
      remotePath,
      onProgress: (sent, total) => progress.push({ sent, total, partExists: existsSync(`${remotePath}.part`), finalExists: existsSync(remotePath) }),
    });
    expect(result).toMatchObject({ ok: true, bytes: SIZE, host: 'web1', remotePath, timedOut: false, aborted: false, connectionLost: false });
    expect(sha256(remotePath)).toBe(sha256(artifact));
    expect(existsSync(`${remotePath}.part`)).toBe(false);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((event) => event.total === SIZE)).toBe(true);
    expect(progress.map((event) => event.sent)).toEqual([...progress.map((event) => event.sent)].sort((a, b) => a - b));
    expect(progress.at(-1)?.sent).toBe(SIZE);
    // While bytes flowed, only the .part file existed.
    expect(progress.every((event) => event.partExists && !event.finalExists)).toBe(true);
  });

  it('sets the mode and replaces an existing file', async () => {
    const remotePath = join(remoteDir, 'replaced.bin');
    writeFileSync(remotePath, 'old contents');
    const result = await session.upload({ localPath: artifact, remotePath, mode: 0o640 });
    expect(result.ok).toBe(true);
    expect(statSync(remotePath).mode & 0o777).toBe(0o640);
    expect(sha256(remotePath)).toBe(sha256(artifact));
  });

  it('stops on abort, leaving only the .part file', async () => {
    const remotePath = join(remoteDir, 'aborted.bin');
    const controller = new AbortController();
    const result = await session.upload({ localPath: artifact, remotePath, signal: controller.signal, onProgress: () => controller.abort() });
    expect(result).toMatchObject({ ok: false, aborted: true });
    expect(result.bytes).toBeLessThan(SIZE);
    expect(existsSync(remotePath)).toBe(false);
    expect(existsSync(`${remotePath}.part`)).toBe(true);
    // The session is still usable.
    expect((await session.exec({ argv: ['true'], mutates: false })).ok).toBe(true);
  });

  it('reports a missing local file as a value', async () => {
    const result = await session.upload({ localPath: join(sshd.dir, 'nope'), remotePath: join(remoteDir, 'nope') });
    expect(result).toMatchObject({ ok: false, bytes: 0 });
    expect(result.error).toMatch(/cannot read/);
  });

  it('reports an unwritable remote directory as a value', async () => {
    const result = await session.upload({ localPath: artifact, remotePath: join(remoteDir, 'missing-dir', 'x.bin') });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/missing-dir\/x\.bin\.part/);
  });
});
