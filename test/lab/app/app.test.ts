import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type App, type AppEvent, type AppOptions } from '../../../src/lab/app/app.ts';
import { prepareServerDir } from '../../../src/lab/host/layout.ts';
import { waitFor } from '../host/support.ts';
import { deployRelease, get } from './support.ts';

describe('lab app', () => {
  let dir = '';
  let app: App | undefined;
  let events: AppEvent[] = [];

  const start = async (overrides: Partial<AppOptions> = {}, initialVersion = 'v1'): Promise<App> => {
    dir = await mkdtemp(join(tmpdir(), 'lab-app-'));
    await prepareServerDir(dir, { initialVersion });
    events = [];
    app = await startApp({ name: 'web1', dir, onEvent: (e) => events.push(e), ...overrides });
    return app;
  };

  afterEach(async () => {
    await app?.close();
    app = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the version that current points to, with X-Release and X-Host', async () => {
    const a = await start();
    const r = await get(a.port, '/');
    expect(r.status).toBe(200);
    expect(r.body).toBe('version=v1 host=web1\n');
    expect(r.headers['x-release']).toBe('v1');
    expect(r.headers['x-host']).toBe('web1');
    expect(a.status()).toMatchObject({ running: true, version: 'v1', port: a.port, inFlight: 0 });
    expect((await get(a.port, '/nope')).status).toBe(404);
  });

  it('answers the health path while the health file exists, checked per request', async () => {
    const a = await start();
    const healthFile = join(dir, 'app/shared/health/ready.html');
    expect(await get(a.port, '/health/ready.html')).toMatchObject({ status: 200, body: 'ready\n' });
    await unlink(healthFile);
    expect((await get(a.port, '/health/ready.html')).status).toBe(404);
    await writeFile(healthFile, 'back\n');
    expect(await get(a.port, '/health/ready.html')).toMatchObject({ status: 200, body: 'back\n' });
  });

  it('restarts gracefully: an in-flight request completes, new connections are refused, then the new release serves on the same port', async () => {
    const a = await start();
    const firstId = a.status().id;
    const slow = get(a.port, '/slow?ms=600');
    await waitFor(() => a.status().inFlight === 1, 10_000, 'the slow request to be in flight');
    await deployRelease(dir, 'v2');
    const restarted = a.restart();
    await waitFor(() => !a.status().running, 10_000, 'the app to stop accepting');
    await expect(get(a.port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await slow).toMatchObject({ status: 200, body: 'version=v1 host=web1\n' });
    expect(await restarted).toMatchObject({ ok: true, version: 'v2' });
    expect(await get(a.port, '/')).toMatchObject({ status: 200, body: 'version=v2 host=web1\n' });
    expect(a.status().id).not.toBe(firstId);
    expect(events.map((e) => e.type)).toEqual(['app-started', 'app-stopping', 'app-stopped', 'app-started']);
    expect(events[2]).toMatchObject({ type: 'app-stopped', cut: false });
  });

  it('does not let idle keep-alive connections hold up a restart', async () => {
    const a = await start({ drainTimeoutMs: 30_000 });
    const agent = new Agent({ keepAlive: true });
    expect((await get(a.port, '/', agent)).status).toBe(200);
    const t0 = Date.now();
    expect(await a.restart()).toMatchObject({ ok: true });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(events.find((e) => e.type === 'app-stopped')).toMatchObject({ cut: false });
    expect((await get(a.port, '/', agent)).status).toBe(200);
    agent.destroy();
  });

  it('cuts requests still running after the drain timeout', async () => {
    const a = await start({ drainTimeoutMs: 100 });
    const slow = get(a.port, '/slow?ms=20000').then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    await waitFor(() => a.status().inFlight === 1, 10_000, 'the slow request');
    expect(await a.restart()).toMatchObject({ ok: true });
    expect(await slow).toBe('ECONNRESET');
    expect(events.find((e) => e.type === 'app-stopped')).toMatchObject({ cut: true });
  });

  it('waits startDelayMs between stopping and listening again', async () => {
    const a = await start({ startDelayMs: 300 });
    const t0 = performance.now();
    await a.restart();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('stays down on a release broken for start; the next restart on a good release brings it back', async () => {
    const a = await start();
    await deployRelease(dir, 'v2', 'start');
    const failed = await a.restart();
    expect(failed).toEqual({ ok: false, reason: 'release v2 is broken: it fails to start' });
    expect(a.status()).toMatchObject({ running: false, version: null });
    await expect(get(a.port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(events.at(-1)).toMatchObject({ type: 'app-start-failed' });
    await deployRelease(dir, 'v3');
    expect(await a.restart()).toMatchObject({ ok: true, version: 'v3' });
    expect((await get(a.port, '/')).body).toBe('version=v3 host=web1\n');
  });

  it('starts down when the initial release is broken, keeping its port', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-app-'));
    await prepareServerDir(dir, { initialVersion: 'v1' });
    await deployRelease(dir, 'v0', 'start');
    app = await startApp({ name: 'web1', dir });
    expect(app.status().running).toBe(false);
    expect(app.port).toBeGreaterThan(0);
    await deployRelease(dir, 'v1b');
    expect(await app.start()).toMatchObject({ ok: true, version: 'v1b' });
    expect((await get(app.port, '/')).status).toBe(200);
  });

  it('answers 500 on / and on the health path for a release broken for health', async () => {
    const a = await start();
    await deployRelease(dir, 'v2', 'health');
    expect(await a.restart()).toMatchObject({ ok: true, version: 'v2' });
    expect((await get(a.port, '/')).status).toBe(500);
    expect((await get(a.port, '/health/ready.html')).status).toBe(500);
  });

  it('reports an unreadable release as the reason it cannot start', async () => {
    const a = await start();
    await unlink(join(dir, 'app/current'));
    const r = await a.restart();
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(/cannot read .*release\.json: ENOENT/);
  });

  it('serializes concurrent restarts', async () => {
    const a = await start();
    await deployRelease(dir, 'v2');
    const [r1, r2] = await Promise.all([a.restart(), a.restart()]);
    expect(r1).toMatchObject({ ok: true, version: 'v2' });
    expect(r2).toMatchObject({ ok: true, version: 'v2' });
    expect(events.filter((e) => e.type === 'app-started')).toHaveLength(3);
    expect(a.status().running).toBe(true);
  });
});
