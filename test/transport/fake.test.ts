import { describe, expect, it } from 'vitest';
import { ReleaseError } from '../../src/core/errors.ts';
import { createFakeSession, createFakeTransport } from '../helpers/fake-transport.ts';

describe('createFakeSession', () => {
  it('answers by argv prefix, RegExp or predicate, first rule first, and records calls', async () => {
    const session = createFakeSession({ target: { name: 'lvs1' } })
      .on(['ipvsadm', '-L'], { stdout: 'table\n' })
      .on(/^cat /, { stdout: 'r41\n' })
      .on((command) => 'script' in command && command.script.includes('fail'), { exitCode: 2, stderr: 'bad\n' });
    expect(await session.exec({ argv: ['ipvsadm', '-L', '-n'], sudo: true, mutates: false })).toMatchObject({
      host: 'lvs1',
      command: 'sudo -n ipvsadm -L -n',
      ok: true,
      exitCode: 0,
      stdout: 'table\n',
    });
    expect((await session.exec({ argv: ['cat', '/srv/www/current/REVISION'], mutates: false })).stdout).toBe('r41\n');
    expect(await session.exec({ script: 'please fail', mutates: true })).toMatchObject({ ok: false, exitCode: 2, stderr: 'bad\n' });
    expect(session.commandLines()).toEqual(['sudo -n ipvsadm -L -n', 'cat /srv/www/current/REVISION', 'please fail']);
  });

  it('fails loudly for unscripted commands, unless a fallback is given', async () => {
    const strict = createFakeSession();
    expect(await strict.exec({ argv: ['rm', '-rf', 'x'], mutates: true })).toMatchObject({
      ok: false,
      exitCode: 127,
      stderr: expect.stringContaining('rm -rf x'),
    });
    const lenient = createFakeSession({ fallback: { stdout: 'ok' } });
    expect(await lenient.exec({ argv: ['anything'], mutates: false })).toMatchObject({ ok: true, stdout: 'ok' });
  });

  it('uses a rule with `times` only that often, then the next rule', async () => {
    const session = createFakeSession().on(['curl'], { exitCode: 7 }, 2).on(['curl'], { stdout: 'up' });
    const codes: Array<number | null> = [];
    for (let run = 0; run < 3; run++) codes.push((await session.exec({ argv: ['curl', 'x'], mutates: false })).exitCode);
    expect(codes).toEqual([7, 7, 0]);
  });

  it('can answer asynchronously and honours abort', async () => {
    let release = () => {};
    const session = createFakeSession().on(['slow'], () => new Promise((resolve) => (release = () => resolve({ stdout: 'late' }))));
    const controller = new AbortController();
    const pending = session.exec({ argv: ['slow'], mutates: false }, { signal: controller.signal });
    controller.abort();
    release();
    expect(await pending).toMatchObject({ ok: false, aborted: true });
  });

  it('drops the connection on demand until reconnect()', async () => {
    const session = createFakeSession({ fallback: {} });
    session.dropConnection();
    expect(session.connected).toBe(false);
    expect(await session.exec({ argv: ['true'], mutates: false })).toMatchObject({ ok: false, connectionLost: true });
    expect(await session.upload({ localPath: 'a', remotePath: 'b' })).toMatchObject({ ok: false, connectionLost: true });
    await session.reconnect();
    expect(session.reconnects).toBe(1);
    expect(await session.exec({ argv: ['true'], mutates: false })).toMatchObject({ ok: true });
  });

  it('records uploads and answers them', async () => {
    const session = createFakeSession({ upload: (request) => ({ bytes: request.remotePath.length }) });
    const result = await session.upload({ localPath: '/tmp/a.tgz', remotePath: '/srv/a.tgz' });
    expect(result).toMatchObject({ ok: true, bytes: 10 });
    expect(session.calls).toEqual([{ kind: 'upload', request: { localPath: '/tmp/a.tgz', remotePath: '/srv/a.tgz' } }]);
  });
});

describe('createFakeTransport', () => {
  it('opens fake sessions and fails the hosts it is told to', async () => {
    const transport = createFakeTransport((target) =>
      target.name === 'web2' ? new ReleaseError('HOST_KEY_CHANGED', 'web2 changed') : createFakeSession({ target }),
    );
    const { sessions, failures } = await transport.open(
      ['web1', 'web2', 'web3'].map((name) => ({ name, host: name, port: 22, user: 'deploy' })),
      { concurrency: 2 },
    );
    expect([...sessions.keys()]).toEqual(['web1', 'web3']);
    expect(failures.get('web2')?.code).toBe('HOST_KEY_CHANGED');
    expect(transport.connected.map((target) => target.name).sort()).toEqual(['web1', 'web3']);
  });
});
