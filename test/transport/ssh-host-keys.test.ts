// Strict host keys and credentials against a real sshd: unknown, changed, hashed, revoked, agent.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReleaseError } from '../../src/core/errors.ts';
import { generateKey, startSshd, type Sshd } from '../helpers/sshd.ts';
import { targetOf, transportFor, waitFor } from './support.ts';

let sshd: Sshd;
let hostFingerprint: string;

beforeAll(async () => {
  sshd = await startSshd();
  // OpenSSH's own view of the host key's fingerprint: "256 SHA256:xxx comment (ED25519)".
  const keygen = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(sshd.dir, 'ssh_host_ed25519_key.pub')], { encoding: 'utf8' });
  hostFingerprint = keygen.split(' ')[1] ?? '';
  expect(hostFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
});

afterAll(async () => {
  await sshd?.stop();
});

async function connectError(knownHostsText: string, name: string): Promise<ReleaseError> {
  const file = join(sshd.dir, `${name}.known_hosts`);
  writeFileSync(file, knownHostsText);
  const transport = transportFor(sshd, { knownHostsFile: file });
  const error = await transport.connect(targetOf(sshd)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  await transport.close();
  expect(error).toBeInstanceOf(ReleaseError);
  return error as ReleaseError;
}

async function connectsWith(knownHostsFile: string): Promise<boolean> {
  const transport = transportFor(sshd, { knownHostsFile });
  const session = await transport.connect(targetOf(sshd));
  const result = await session.exec({ argv: ['true'], mutates: false });
  await session.close();
  return result.ok;
}

describe('host keys', () => {
  it('accepts the key known_hosts lists for [host]:port', async () => {
    expect(await connectsWith(sshd.knownHostsPath)).toBe(true);
  });

  it('refuses an unknown host, showing the SHA256 fingerprint and the ssh-keyscan hint', async () => {
    const error = await connectError('# nothing known\n', 'empty');
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(error.message).toContain(hostFingerprint);
    expect(error.message).toContain(`[127.0.0.1]:${sshd.port}`);
    expect(error.hint).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${join(sshd.dir, 'empty.known_hosts')}`);
    expect(error.details).toMatchObject({ fingerprint: hostFingerprint, port: sshd.port });
  });

  it('treats a missing known_hosts file as knowing no host', async () => {
    const transport = transportFor(sshd, { knownHostsFile: join(sshd.dir, 'does-not-exist') });
    await expect(transport.connect(targetOf(sshd))).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
  });

  it('does not let a port-22 entry vouch for another port', async () => {
    const error = await connectError(`127.0.0.1 ${sshd.hostPublicKey}\n`, 'port22');
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
  });

  it('refuses a changed key, naming both fingerprints', async () => {
    const other = join(sshd.dir, 'other_host_key');
    generateKey(other);
    const otherPublic = readFileSync(`${other}.pub`, 'utf8').trim();
    const otherFingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${other}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';
    const error = await connectError(`# line 1\n[127.0.0.1]:${sshd.port} ${otherPublic}\n`, 'changed');
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.message).toContain(hostFingerprint);
    expect(error.message).toContain(otherFingerprint);
    expect(error.message).toContain('line 2');
    expect(error.hint).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}'`);
  });

  it('accepts a hashed entry (ssh-keygen -H)', async () => {
    const file = join(sshd.dir, 'hashed.known_hosts');
    copyFileSync(sshd.knownHostsPath, file);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    expect(await connectsWith(file)).toBe(true);
  });

  it('refuses a key marked @revoked even when it is also listed', async () => {
    const line = `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}`;
    const error = await connectError(`${line}\n@revoked ${line}\n`, 'revoked');
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.message).toContain('@revoked');
  });

  it('ignores @cert-authority lines (no certificate support): the host stays unknown', async () => {
    const error = await connectError(`@cert-authority [127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`, 'ca');
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
  });
});

describe('credentials', () => {
  it('reports a refused user key as SSH_CONNECT_FAILED', async () => {
    const stranger = join(sshd.dir, 'stranger');
    generateKey(stranger);
    const transport = transportFor(sshd, { identityFile: stranger });
    await expect(transport.connect(targetOf(sshd))).rejects.toMatchObject({
      code: 'SSH_CONNECT_FAILED',
      message: expect.stringMatching(/authentication as root was refused/),
    });
  });

  it('reports a closed port as SSH_CONNECT_FAILED', async () => {
    const transport = transportFor(sshd);
    await expect(transport.connect({ ...targetOf(sshd), port: 1 })).rejects.toMatchObject({ code: 'SSH_CONNECT_FAILED' });
  });

  it('decrypts a key with the passphrase from the named variable, and never prints it', async () => {
    const key = join(sshd.dir, 'encrypted');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', key], { stdio: 'ignore' });
    writeFileSync(join(sshd.dir, 'authorized_keys'), `${readFileSync(`${sshd.userKeyPath}.pub`, 'utf8')}${readFileSync(`${key}.pub`, 'utf8')}`);

    const withoutVariable = transportFor(sshd, { identityFile: key });
    await expect(withoutVariable.connect(targetOf(sshd))).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/passphrase/) });

    const unset = transportFor(sshd, { identityFile: key, passphraseEnv: 'KEY_PASS', env: {} });
    await expect(unset.connect(targetOf(sshd))).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('$KEY_PASS') });

    const wrong = transportFor(sshd, { identityFile: key, passphraseEnv: 'KEY_PASS', env: { KEY_PASS: 'wrong battery' } });
    const error = (await wrong.connect(targetOf(sshd)).catch((caught: unknown) => caught)) as ReleaseError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(JSON.stringify({ message: error.message, hint: error.hint, details: error.details })).not.toMatch(/wrong battery|PRIVATE KEY/);

    const right = transportFor(sshd, { identityFile: key, passphraseEnv: 'KEY_PASS', env: { KEY_PASS: 'correct horse' } });
    const session = await right.connect(targetOf(sshd));
    expect((await session.exec({ argv: ['true'], mutates: false })).ok).toBe(true);
    await session.close();
  });

  it('logs in with the ssh-agent at SSH_AUTH_SOCK when no identityFile is set', async () => {
    const socket = join(sshd.dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      await waitFor('ssh-agent socket', () => existsSync(socket));
      execFileSync('ssh-add', [sshd.userKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const transport = transportFor(sshd, { identityFile: undefined, env: { SSH_AUTH_SOCK: socket } });
      const session = await transport.connect(targetOf(sshd));
      expect((await session.exec({ argv: ['echo', 'via agent'], mutates: false })).stdout).toBe('via agent\n');
      await session.close();
    } finally {
      agent.kill();
    }
  });

  it('needs an identityFile or an agent', async () => {
    const transport = transportFor(sshd, { identityFile: undefined, env: {} });
    await expect(transport.connect(targetOf(sshd))).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/SSH_AUTH_SOCK/) });
  });

  it('rejects a host starting with "-" before dialing', async () => {
    const transport = transportFor(sshd);
    await expect(transport.connect({ ...targetOf(sshd), host: '-oProxyCommand=x' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
