import { createServer, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppSettings, Pipeline, Step } from '../../src/config/types.ts';
import { createPhaseRunner } from '../../src/deploy/phase.ts';
import { dryRunHttpCheck } from '../../src/dry-run/http.ts';
import { poolServerOf } from '../../src/runner/preflight.ts';
import type { RunServer } from '../../src/runner/types.ts';
import { createFakeCluster, type FakeCluster } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { aPipeline, aRunStep } from '../runner/builders.ts';

function setup(options: { root?: string; address?: string; smokePort?: number; app?: Partial<AppSettings> } = {}) {
  const fc = createFakeCluster({
    clock: fakeClock(),
    servers: [{ name: 'web1', address: options.address ?? '10.0.1.11' }],
    ...(options.root ? { root: options.root } : {}),
  });
  const found = fc.cluster.realServers[0];
  if (!found) throw new Error('no server');
  const config = { ...found, app: { ...found.app, ...options.app } };
  const withSmoke = options.smokePort
    ? { ...config, app: { ...config.app, smoke: { ...config.app.smoke, port: options.smokePort, host: 'www.example.com' } } }
    : config;
  const server: RunServer = { ...poolServerOf(withSmoke), config: withSmoke, session: fc.session('web1'), releaseBefore: 'r1' };
  return { fc, server };
}

function runner(fc: FakeCluster, pipeline: Pipeline, extra: { artifact?: string; dryRun?: boolean } = {}) {
  return createPhaseRunner({
    cluster: fc.cluster,
    pipeline,
    emit: fc.emit,
    clock: fc.clock,
    artifact: extra.artifact,
    httpCheck: extra.dryRun ? dryRunHttpCheck(fc.emit) : undefined,
  });
}

const signal = new AbortController().signal;
const lines = (fc: FakeCluster) => fc.execs('web1').map((e) => e.line);
const withDeploy = (steps: Step[]) => aPipeline({ phases: { deploy: steps } });

describe('createPhaseRunner', () => {
  it('runs the steps of a phase in order, every inserted value quoted', async () => {
    const { fc, server } = setup({ root: '/srv/my app' });
    const run = runner(fc, aPipeline());
    expect(await run('deploy', server, { release: 'r2', previous: 'r1' }, signal)).toEqual({ ok: true });
    expect(await run('rollback', server, { release: 'r2', previous: 'r1' }, signal)).toEqual({ ok: true });
    expect(lines(fc)).toEqual(["ln -sfn releases/r2 '/srv/my app'/current", 'app-ctl restart', "ln -sfn releases/r1 '/srv/my app'/current", 'app-ctl restart']);
    expect(fc.execs('web1').every((e) => e.mutates)).toBe(true);
  });

  it('passes the server, cluster and keep values, and renders argv steps word by word', async () => {
    const { fc, server } = setup();
    const pipeline = withDeploy([
      aRunStep('echo {{server.name}} {{server.address}} {{server.port}} {{cluster}} {{keep}}'),
      { ...aRunStep('unused'), cmd: undefined, argv: ['tar', '-C', '{{root}}/releases/{{release}} x', '-f', 'a b'] },
    ]);
    await runner(fc, pipeline)('deploy', server, { release: 'r2', previous: 'r1' }, signal);
    expect(lines(fc)).toEqual(['echo web1 10.0.1.11 80 test 5', "tar -C '/srv/app/releases/r2 x' -f 'a b'"]);
  });

  it('stops at the first failing step and names it, with the exit status and the end of stderr', async () => {
    const { fc, server } = setup();
    fc.on('web1', /^two/, { exitCode: 3, stderr: 'l1\nl2\nl3\nl4\n' });
    const result = await runner(fc, withDeploy([aRunStep('one', 'first'), aRunStep('two', 'second'), aRunStep('three', 'third')]))(
      'deploy',
      server,
      { release: 'r2', previous: 'r1' },
      signal,
    );
    expect(result).toMatchObject({ ok: false, step: expect.stringMatching(/^second \(pipeline\.yaml:\d+\)$/), detail: 'exit 3: l2 | l3 | l4' });
    expect(lines(fc)).toEqual(['one', 'two']);
    const finished = fc.events('step-finished');
    expect(finished.map((e) => [e.phase, e.step, e.label, e.ok])).toEqual([
      ['deploy', 0, 'first', true],
      ['deploy', 1, 'second', false],
    ]);
    expect(finished[1]?.detail).toBe('exit 3: l2 | l3 | l4');
  });

  it('says what happened when a step timed out or the connection was lost', async () => {
    const { fc, server } = setup();
    fc.on('web1', /^slow/, 'timeout');
    fc.on('web1', /^cut/, 'lost');
    const run = runner(fc, aPipeline({ phases: { deploy: [aRunStep('slow')], verify: [aRunStep('cut')] } }));
    expect(await run('deploy', server, { release: 'r2', previous: 'r1' }, signal)).toMatchObject({ ok: false, detail: 'timed out after 60s' });
    expect(await run('verify', server, { release: 'r2', previous: 'r1' }, signal)).toMatchObject({
      ok: false,
      detail: 'the SSH connection was lost (the outcome is unknown)',
    });
  });

  it('gives up on a hung step when the phase is aborted, and runs nothing after it', async () => {
    const { fc, server } = setup();
    fc.on('web1', /^stuck/, 'hang');
    const controller = new AbortController();
    const pending = runner(fc, withDeploy([aRunStep('stuck'), aRunStep('after')]))('deploy', server, { release: 'r2', previous: 'r1' }, controller.signal);
    // The step is in flight (recorded) before the abort arrives.
    for (let i = 0; i < 100 && !lines(fc).includes('stuck'); i++) await Promise.resolve();
    expect(lines(fc)).toEqual(['stuck']);
    controller.abort(new Error('SIGINT'));
    expect(await pending).toMatchObject({ ok: false, detail: 'aborted' });
    expect(lines(fc)).toEqual(['stuck']);
  });

  it('runs an argv step with sudo as `sudo -n program args`, and refuses a shell command with sudo without running it', async () => {
    const { fc, server } = setup();
    const argvStep: Step = {
      kind: 'run',
      name: 'reload',
      source: 'pipeline.yaml:9',
      timeoutMs: 60_000,
      sudo: true,
      argv: ['systemctl', 'reload', 'app@{{release}}'],
    };
    expect(await runner(fc, withDeploy([argvStep]))('deploy', server, { release: 'r2', previous: null }, signal)).toEqual({ ok: true });
    expect(lines(fc)).toEqual(['sudo -n systemctl reload app@r2']);
    const result = await runner(fc, withDeploy([{ ...aRunStep('systemctl reload app'), sudo: true }]))(
      'deploy',
      server,
      { release: 'r2', previous: null },
      signal,
    );
    expect(result).toMatchObject({ ok: false, detail: expect.stringContaining('cannot run with sudo') });
    expect(lines(fc)).toHaveLength(1);
  });

  it('refuses a value that would read as an option, as a failed step, without running anything', async () => {
    const { fc, server } = setup();
    const pipeline = withDeploy([{ ...aRunStep('unused'), cmd: undefined, argv: ['rm', '{{release}}'] }]);
    const result = await runner(fc, pipeline)('deploy', server, { release: '-rf', previous: null }, signal);
    expect(result).toMatchObject({ ok: false, detail: expect.stringContaining('TEMPLATE_UNSAFE') });
    expect(lines(fc)).toEqual([]);
  });

  describe('app steps', () => {
    const appStep = (action: 'restart' | 'reload'): Step => ({ kind: 'app', name: `app ${action}`, source: 'pipeline.yaml:7', action, timeoutMs: 60_000 });

    it("runs the server's own app.restart / app.reload as written (the operator's command, not a template)", async () => {
      const { fc, server } = setup({ app: { restart: 'sudo -n systemctl restart shop@{{x}}', reload: 'sudo -n systemctl reload shop' } });
      const run = runner(fc, withDeploy([appStep('restart'), appStep('reload')]));
      expect(await run('deploy', server, { release: 'r2', previous: 'r1' }, signal)).toEqual({ ok: true });
      expect(lines(fc)).toEqual(['sudo -n systemctl restart shop@{{x}}', 'sudo -n systemctl reload shop']);
      expect(fc.execs('web1').map((e) => [e.mutates, e.sudo, e.label])).toEqual([
        [true, false, 'app restart'],
        [true, false, 'app reload'],
      ]);
    });

    it('fails the step, running nothing, when the server has no such command', async () => {
      const { fc, server } = setup();
      const result = await runner(fc, withDeploy([appStep('restart')]))('deploy', server, { release: 'r2', previous: 'r1' }, signal);
      expect(result).toMatchObject({ ok: false, step: 'app restart (pipeline.yaml:7)', detail: expect.stringContaining('app.restart') });
      expect(lines(fc)).toEqual([]);
    });

    it('reports a failed command like a run step', async () => {
      const { fc, server } = setup({ app: { restart: 'app-ctl restart' } });
      fc.on('web1', /^app-ctl/, { exitCode: 1, stderr: 'failed to start\n' });
      const result = await runner(fc, withDeploy([appStep('restart')]))('deploy', server, { release: 'r2', previous: 'r1' }, signal);
      expect(result).toMatchObject({ ok: false, detail: 'exit 1: failed to start' });
    });
  });

  it('uploads the artifact to the rendered remote path', async () => {
    const { fc, server } = setup();
    const pipeline = aPipeline({
      phases: { prepare: [{ kind: 'upload', name: 'upload', source: 'pipeline.yaml:1', from: '{{artifact}}', to: '{{root}}/releases/{{release}}.tar.gz' }] },
    });
    const result = await runner(fc, pipeline, { artifact: '/build/app.tar.gz' })('prepare', server, { release: 'r2', previous: 'r1' }, signal);
    expect(result).toEqual({ ok: true });
    expect(fc.timeline.filter((e) => e.kind === 'upload')).toMatchObject([{ host: 'web1', remotePath: '/srv/app/releases/r2.tar.gz' }]);
  });

  describe('http steps', () => {
    let close: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await close?.();
      close = undefined;
    });

    async function startApp(respond: (path: string) => { status: number; body: string }) {
      const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
      const server = createServer((req, res) => {
        seen.push({ url: req.url ?? '', headers: req.headers });
        const { status, body } = respond(req.url ?? '');
        res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      close = () => new Promise<void>((resolve) => server.close(() => resolve()));
      return { port: (server.address() as AddressInfo).port, seen };
    }

    const check = (body: string): Step => ({
      kind: 'http',
      name: 'smoke',
      source: 'pipeline.yaml:9',
      path: '/health',
      method: 'GET',
      expect: { status: 200, body },
      timeoutMs: 2000,
      retries: 0,
      intervalMs: 10,
    });

    it('checks the server on its own address and smoke port, with the site as Host', async () => {
      const app = await startApp(() => ({ status: 200, body: 'release r2 ok' }));
      const { fc, server } = setup({ address: '127.0.0.1', smokePort: app.port });
      const run = runner(fc, aPipeline({ phases: { verify: [check('{{release}}')] } }));
      expect(await run('verify', server, { release: 'r2', previous: 'r1' }, signal)).toEqual({ ok: true });
      expect(app.seen).toMatchObject([{ url: '/health', headers: { host: 'www.example.com' } }]);
      expect(await run('verify', server, { release: 'r3', previous: 'r2' }, signal)).toMatchObject({ ok: false, step: 'smoke (pipeline.yaml:9)' });
    });

    it('renders {{release}} into bodyPattern (regex-escaped), path and headers, and the check passes', async () => {
      const app = await startApp((path) => ({ status: 200, body: `version=v2.1 path=${path}` }));
      const { fc, server } = setup({ address: '127.0.0.1', smokePort: app.port });
      const step: Step = {
        kind: 'http',
        name: 'version',
        source: 'pipeline.yaml:9',
        path: '/v/{{release}}',
        method: 'GET',
        expect: { status: 200, bodyPattern: '^version={{release}} path=/v/{{release}}$', header: { 'content-type': 'text/plain' } },
        timeoutMs: 2000,
        retries: 0,
        intervalMs: 10,
      };
      const run = runner(fc, aPipeline({ phases: { verify: [step] } }));
      expect(await run('verify', server, { release: 'v2.1', previous: 'v1' }, signal)).toEqual({ ok: true });
      expect(app.seen.map((s) => s.url)).toEqual(['/v/v2.1']);
      // "." in the release is literal: v2x1 does not match version=v2.1.
      expect(await run('verify', server, { release: 'v2x1', previous: 'v1' }, signal)).toMatchObject({
        ok: false,
        detail: expect.stringContaining('body does not match'),
      });
    });

    it("with app.smoke.via: ssh, sends the check through the server's own session to its address as the server sees it", async () => {
      const app = await startApp(() => ({ status: 200, body: 'release r2 ok' }));
      const { fc, server } = setup({ smokePort: 8080 });
      const forwards: string[] = [];
      // The server's session: what the server reaches at 10.0.1.11:8080 is our app on loopback.
      const session = {
        ...server.session,
        forward: async (host: string, port: number) => {
          forwards.push(`${host}:${port}`);
          return { ok: true as const, stream: connect(app.port, '127.0.0.1') };
        },
      };
      const viaSsh = {
        ...server,
        session,
        config: { ...server.config, app: { ...server.config.app, smoke: { ...server.config.app.smoke, via: 'ssh' as const } } },
      };
      const run = runner(fc, aPipeline({ phases: { verify: [check('{{release}}')] } }));
      expect(await run('verify', viaSsh, { release: 'r2', previous: 'r1' }, signal)).toEqual({ ok: true });
      expect(forwards).toEqual(['10.0.1.11:8080']);
      expect(app.seen).toMatchObject([{ url: '/health', headers: { host: 'www.example.com' } }]);
      expect(fc.events('smoke')).toMatchObject([{ server: 'web1', ok: true, url: 'http://10.0.1.11:8080/health' }]);

      const refused = {
        ...viaSsh,
        session: { ...session, forward: async () => ({ ok: false as const, connectionLost: false, error: 'open failed (administratively prohibited)' }) },
      };
      const failed = await run('verify', refused, { release: 'r2', previous: 'r1' }, signal);
      expect(failed).toMatchObject({
        ok: false,
        detail: expect.stringContaining(
          "ESSHFORWARD: no channel to 10.0.1.11:8080 through the server's SSH connection: open failed (administratively prohibited)",
        ),
      });
    });

    it('makes no request in a dry run, and reports what it would check', async () => {
      const { fc, server } = setup();
      const run = runner(fc, aPipeline({ phases: { verify: [check('{{release}}')] } }), { dryRun: true });
      expect(await run('verify', server, { release: 'r2', previous: 'r1' }, signal)).toEqual({ ok: true });
      expect(fc.events('command')).toMatchObject([{ host: 'web1', command: '[dry run] GET http://10.0.1.11:80/health', mutates: false, dryRun: true }]);
    });
  });
});
