import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppCtlHandler, runAppCtl } from '../../../src/lab/app/app-ctl.ts';
import { startApp, type App } from '../../../src/lab/app/app.ts';
import { buildArtifact } from '../../../src/lab/app/artifact.ts';
import { prepareServerDir } from '../../../src/lab/host/layout.ts';
import { writeToolShims } from '../../../src/lab/tools/shims.ts';
import { startToolServer, type ToolServer } from '../../../src/lab/tools/tool-server.ts';
import { connect, exec, openSftp, startTestHost, type TestHost } from '../host/support.ts';
import { deployRelease, get } from './support.ts';

const text = (v: string | Buffer | undefined): string => (v === undefined ? '' : v.toString());

describe('app-ctl', () => {
  let dir = '';
  let app: App | undefined;
  let host: TestHost | undefined;
  let tools: ToolServer | undefined;
  afterEach(async () => {
    await host?.cleanup();
    await tools?.stop();
    await app?.close();
    host = undefined;
    tools = undefined;
    app = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const startLabApp = async (): Promise<App> => {
    dir = await mkdtemp(join(tmpdir(), 'lab-appctl-'));
    await prepareServerDir(dir, { initialVersion: 'v1' });
    app = await startApp({ name: 'web1', dir, now: () => Date.parse('2026-03-02T08:00:00Z') });
    return app;
  };

  it('status, version, restart, stop and start map to the app, with exit codes', async () => {
    const a = await startLabApp();
    const status = await runAppCtl(a, ['status']);
    expect(status.exitCode).toBe(0);
    expect(text(status.stdout)).toMatch(/^web1: running version=v1 id=\d+ port=\d+ since=2026-03-02T08:00:00.000Z inflight=0\n$/);
    expect(await runAppCtl(a, ['version'])).toEqual({ stdout: 'v1\n', exitCode: 0 });
    await deployRelease(dir, 'v2');
    const restarted = await runAppCtl(a, ['restart']);
    expect(restarted.exitCode).toBe(0);
    expect(text(restarted.stdout)).toMatch(/^app-ctl: web1 restarted: version v2 \(id \d+\)\n$/);
    expect(await runAppCtl(a, ['stop'])).toMatchObject({ exitCode: 0 });
    expect(await runAppCtl(a, ['status'])).toMatchObject({ exitCode: 3 });
    expect(await runAppCtl(a, ['version'])).toMatchObject({ exitCode: 3, stderr: 'app-ctl: web1 is not running\n' });
    expect(await runAppCtl(a, ['start'])).toMatchObject({ exitCode: 0 });
    expect(await runAppCtl(a, [])).toMatchObject({ exitCode: 2 });
    expect(await runAppCtl(a, ['restart', 'now'])).toMatchObject({ exitCode: 2 });
  });

  it('restart of a release broken for start exits 1 with the reason on stderr', async () => {
    const a = await startLabApp();
    await deployRelease(dir, 'v2', 'start');
    expect(await runAppCtl(a, ['restart'])).toEqual({
      stderr: 'app-ctl: web1 failed to start: release v2 is broken: it fails to start\n',
      exitCode: 1,
    });
  });

  it('the handler finds the app by the calling host', async () => {
    const a = await startLabApp();
    const handler = createAppCtlHandler((h) => (h === 'web1' ? a : undefined));
    expect(await handler({ tool: 'app-ctl', host: 'web1', argv: ['version'], cwd: dir, stdin: Buffer.alloc(0) })).toMatchObject({ exitCode: 0 });
    expect(await handler({ tool: 'app-ctl', host: 'lvs1', argv: ['version'], cwd: dir, stdin: Buffer.alloc(0) })).toEqual({
      stderr: 'app-ctl: no app on host "lvs1"\n',
      exitCode: 1,
    });
  });

  it('a whole deploy over SSH: upload the artifact, untar, switch current, app-ctl restart', async () => {
    const a = await startLabApp();
    const sockDir = await mkdtemp('/tmp/lab-sock-');
    tools = await startToolServer({ socketPath: join(sockDir, 't.sock'), handlers: { 'app-ctl': createAppCtlHandler(() => a) } });
    host = await startTestHost({ dir, env: { LAB_HOST: 'web1', LAB_SOCKET: tools.socketPath } });
    await writeToolShims(join(host.root, 'tools'), ['app-ctl', 'sudo']);
    const artifact = await buildArtifact({ version: 'v2', out: join(host.root, 'v2.tar.gz') });
    const conn = await connect({ port: host.host.port, privateKey: host.userKey.privateKey });
    try {
      const sftp = await openSftp(conn);
      await promisify(sftp.fastPut.bind(sftp))(artifact.path, 'app/releases/v2.tar.gz');
      const steps = [
        'mkdir -p app/releases/v2 && tar -xzf app/releases/v2.tar.gz -C app/releases/v2',
        'ln -sfn releases/v2 app/.current.tmp && mv -T app/.current.tmp app/current',
        'sudo -n app-ctl restart',
      ];
      for (const step of steps) expect(await exec(conn, step)).toMatchObject({ code: 0 });
      expect((await get(a.port, '/')).body).toBe('version=v2 host=web1\n');
    } finally {
      conn.end();
      await rm(sockDir, { recursive: true, force: true });
    }
  });
});
