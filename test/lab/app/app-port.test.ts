// The lab app's port is chosen by binding it and stays the app's until close, restarts included
// (issue 8, item 7: apps that probed a port, closed it and listened later collided; a probe that
// hit a port in use threw EADDRINUSE; `release lab --servers 200` named one port twice).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { belowEphemeral, claimAppPort } from '../../../src/lab/app/app-port.ts';
import { startApp, type App, type AppOptions } from '../../../src/lab/app/app.ts';
import { prepareServerDir } from '../../../src/lab/host/layout.ts';
import { waitFor } from '../host/support.ts';
import { deployRelease, get } from './support.ts';

const APP_PORT_TS = fileURLToPath(new URL('../../../src/lab/app/app-port.ts', import.meta.url));

let dir = '';
const apps: App[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

async function serverDir(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'lab-app-port-'));
  await prepareServerDir(dir, { initialVersion: 'v1' });
  return dir;
}

async function anApp(options: Partial<AppOptions> & { dir: string }): Promise<App> {
  const app = await startApp({ name: `web${apps.length + 1}`, ...options });
  apps.push(app);
  return app;
}

/** A port some other program listens on (held until the test ends). */
async function aPortInUse(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Draws `first` ports in order, then at random below the ephemeral range. */
async function drawing(first: number[]): Promise<() => number> {
  const { pick } = await belowEphemeral();
  const queue = [...first];
  return () => queue.shift() ?? pick();
}

/** Runs `claimAppPort(port)` in another Node process: 'claimed' or 'taken'. */
async function claimElsewhere(port: number): Promise<string> {
  const script = `const { claimAppPort } = await import(${JSON.stringify(APP_PORT_TS)}); const lease = await claimAppPort(${port}); console.log(lease ? 'claimed' : 'taken'); await lease?.release();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
  return stdout.trim();
}

describe('lab app port', () => {
  it('many apps started at once get distinct ports below the ephemeral range, all serving', async () => {
    const d = await serverDir();
    const { low } = await belowEphemeral();
    const started = await Promise.all(Array.from({ length: 300 }, () => anApp({ dir: d })));
    const ports = started.map((a) => a.port);
    expect(new Set(ports).size).toBe(300);
    expect(ports.every((p) => p < low)).toBe(true);
    expect(started.filter((a) => !a.status().running).map((a) => a.name)).toEqual([]);
    const answers = await Promise.all(started.slice(0, 20).map((a) => get(a.port, '/')));
    expect(answers.map((r) => r.body)).toEqual(started.slice(0, 20).map((a) => `version=v1 host=${a.name}\n`));
  });

  it('draws another port when the one drawn is in use, instead of failing', async () => {
    const busy = await aPortInUse();
    const app = await anApp({ dir: await serverDir(), pickPort: await drawing([busy, busy]) });
    expect(app.port).not.toBe(busy);
    expect(app.status().running).toBe(true);
    expect((await get(app.port, '/')).status).toBe(200);
  });

  it('keeps its port while down for a restart: another app cannot draw it, the restart gets it back', async () => {
    const d = await serverDir();
    const a = await anApp({ dir: d, startDelayMs: 500 });
    await deployRelease(d, 'v2');
    const restarted = a.restart();
    await waitFor(() => !a.status().running, 10_000, 'the app to be down for its restart');
    const b = await anApp({ dir: d, pickPort: await drawing([a.port, a.port, a.port]) });
    expect(b.port).not.toBe(a.port);
    expect(await restarted).toMatchObject({ ok: true, version: 'v2' });
    expect(await get(a.port, '/')).toMatchObject({ status: 200, body: 'version=v2 host=web1\n' });
  });

  it('an app that starts down has a port of its own all the same, claimed until close', async () => {
    const d = await serverDir();
    await deployRelease(d, 'v0', 'start');
    const app = await anApp({ dir: d });
    expect(app.status().running).toBe(false);
    expect(await claimAppPort(app.port)).toBeUndefined();
    await app.close();
    const lease = await claimAppPort(app.port);
    expect(lease?.port).toBe(app.port);
    await lease?.release();
  });

  it.skipIf(process.platform !== 'linux')('claims its port for other processes too, until close', async () => {
    const app = await anApp({ dir: await serverDir() });
    await app.stop();
    expect(await claimElsewhere(app.port)).toBe('taken');
    await app.close();
    expect(await claimElsewhere(app.port)).toBe('claimed');
  });
});
