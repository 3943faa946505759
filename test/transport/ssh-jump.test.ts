// Jump host: a second real sshd forwards to the target; both host keys are verified, and all
// targets share one jump connection.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../helpers/sshd.ts';
import { targetOf, transportFor, waitFor } from './support.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

let jump: Sshd;
let target: Sshd;
let jumpProxy: TcpProxy;
let bothKnown: string;

beforeAll(async () => {
  jump = await startSshd({ extraConfig: ['LogLevel DEBUG1'] });
  target = await startSshd({ userKeyPath: jump.userKeyPath });
  // The jump host is reached through a counting proxy, so the test sees how many connections it gets.
  jumpProxy = await startTcpProxy(jump.port);
  bothKnown = join(target.dir, 'known_hosts.both');
  writeFileSync(bothKnown, `[127.0.0.1]:${jumpProxy.port} ${jump.hostPublicKey}\n${readFileSync(target.knownHostsPath, 'utf8')}`);
});

afterAll(async () => {
  await jumpProxy?.close();
  await target?.stop();
  await jump?.stop();
});

const jumpHost = () => ({ host: '127.0.0.1', port: jumpProxy.port, user: 'root' });

describe('jump host', () => {
  it('reaches the target through the jump host, one shared jump connection for all sessions', async () => {
    const transport = transportFor(target, { knownHostsFile: bothKnown, jumpHost: jumpHost() });
    const { sessions, failures } = await transport.open([targetOf(target, 'web1'), targetOf(target, 'web2'), targetOf(target, 'web3')], { concurrency: 3 });
    expect(failures.size).toBe(0);
    const results = await Promise.all([...sessions.values()].map((session) => session.exec({ argv: ['echo', 'behind the jump'], mutates: false })));
    expect(results.every((result) => result.ok && result.stdout === 'behind the jump\n')).toBe(true);
    expect(jumpProxy.accepted).toBe(1);
    // The jump sshd forwarded to the target's port (debug1 logs every direct-tcpip request).
    await waitFor('direct-tcpip in the jump host log', () => jump.logs().includes(`target 127.0.0.1 port ${target.port}`));
    await Promise.all([...sessions.values()].map((session) => session.close()));
    await transport.close();
  });

  it("verifies the jump host's key", async () => {
    const onlyTarget = join(target.dir, 'known_hosts.target-only');
    writeFileSync(onlyTarget, readFileSync(target.knownHostsPath));
    const transport = transportFor(target, { knownHostsFile: onlyTarget, jumpHost: jumpHost() });
    const error = await transport.connect(targetOf(target)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'HOST_KEY_UNKNOWN', message: expect.stringContaining('jump host 127.0.0.1') });
  });

  it("verifies the target's key behind the jump host", async () => {
    const onlyJump = join(target.dir, 'known_hosts.jump-only');
    writeFileSync(onlyJump, `[127.0.0.1]:${jumpProxy.port} ${jump.hostPublicKey}\n`);
    const transport = transportFor(target, { knownHostsFile: onlyJump, jumpHost: jumpHost() });
    const error = await transport.connect(targetOf(target)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'HOST_KEY_UNKNOWN', message: expect.stringContaining(`web1 ([127.0.0.1]:${target.port})`) });
    await transport.close();
  });

  it('reports a target the jump host cannot reach', async () => {
    const transport = transportFor(target, { knownHostsFile: bothKnown, jumpHost: jumpHost() });
    const error = await transport.connect({ ...targetOf(target), port: 1 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SSH_CONNECT_FAILED', message: expect.stringMatching(/jump host could not reach it/) });
    await transport.close();
  });

  it('reconnects through a new jump connection after the old one was cut', async () => {
    const transport = transportFor(target, { knownHostsFile: bothKnown, jumpHost: jumpHost() });
    const session = await transport.connect(targetOf(target));
    const before = jumpProxy.accepted;
    jumpProxy.cut();
    await waitFor('the session to notice', () => !session.connected);
    await session.reconnect();
    expect(jumpProxy.accepted).toBe(before + 1);
    expect((await session.exec({ argv: ['true'], mutates: false })).ok).toBe(true);
    await session.close();
    await transport.close();
  });
});
