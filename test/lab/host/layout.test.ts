import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRelease } from '../../../src/lab/app/release.ts';
import { prepareDirectorDir, prepareServerDir } from '../../../src/lab/host/layout.ts';

describe('lab host directory layout', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lays out a server: releases/<v>, a relative current symlink, the health file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-layout-'));
    const layout = await prepareServerDir(dir, { initialVersion: 'v1' });
    expect(layout.appRoot).toBe(join(dir, 'app'));
    expect(readlinkSync(join(dir, 'app/current'))).toBe('releases/v1');
    expect(await readRelease(layout.current)).toEqual({ ok: true, release: { version: 'v1' } });
    expect(readFileSync(join(dir, 'app/releases/v1/VERSION'), 'utf8')).toBe('v1\n');
    expect(readFileSync(layout.healthFile, 'utf8')).toBe('ready\n');
    expect(layout.healthFile).toBe(join(dir, 'app/shared/health/ready.html'));
  });

  it('can start a server out of the pool (no health file)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-layout-'));
    const layout = await prepareServerDir(dir, { initialVersion: 'v1', healthy: false });
    expect(existsSync(layout.healthFile)).toBe(false);
    expect(existsSync(join(dir, 'app/shared/health'))).toBe(true);
  });

  it('refuses an unsafe version', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-layout-'));
    await expect(prepareServerDir(dir, { initialVersion: '../x' })).rejects.toThrow(/unsafe release version/);
  });

  it('lays out a director: etc/keepalived/', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-layout-'));
    const layout = await prepareDirectorDir(dir);
    expect(layout.keepalivedDir).toBe(join(dir, 'etc/keepalived'));
    expect(existsSync(layout.keepalivedDir)).toBe(true);
  });
});
