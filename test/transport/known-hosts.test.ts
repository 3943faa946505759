import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHostKey, fingerprintSha256, keyTypeOf, knownHostsName, knownKeyTypes, matchesHost, parseKnownHosts } from '../../src/transport/known-hosts.ts';
import { hostKeyAlgorithmsFor } from '../../src/transport/host-verifier.ts';
import { generateKey } from '../helpers/sshd.ts';

let dir: string;
const keys: Record<'ed25519' | 'ecdsa' | 'rsa' | 'other', { line: string; blob: Buffer; path: string }> = {} as never;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lvs-known-hosts-'));
  for (const [name, type] of [
    ['ed25519', 'ed25519'],
    ['ecdsa', 'ecdsa'],
    ['rsa', 'rsa'],
    ['other', 'ed25519'],
  ] as const) {
    const path = join(dir, name);
    generateKey(path, type);
    const line = readFileSync(`${path}.pub`, 'utf8').trim();
    keys[name] = { line, blob: Buffer.from(line.split(' ')[1] ?? '', 'base64'), path: `${path}.pub` };
  }
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const hashed = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('knownHostsName', () => {
  it('is the bare host on port 22 and [host]:port elsewhere, lower-cased', () => {
    expect(knownHostsName('Web1.Example.NET', 22)).toBe('web1.example.net');
    expect(knownHostsName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });
});

describe('fingerprintSha256', () => {
  it('matches ssh-keygen -l for every key type', () => {
    for (const key of Object.values(keys)) {
      const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', key.path], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprintSha256(key.blob)).toBe(expected);
    }
  });
});

describe('parseKnownHosts', () => {
  it('reads plain, [host]:port, comma lists, comments and blank lines', () => {
    const text = [
      '# comment',
      '',
      `web1.example.net,10.0.0.1 ${keys.ed25519.line}`,
      `[web2.example.net]:2222 ${keys.ecdsa.line}`,
      `  web3 ${keys.rsa.line} trailing comment words`,
    ].join('\n');
    const { entries, problems } = parseKnownHosts(text);
    expect(problems).toEqual([]);
    expect(entries.map((entry) => [entry.line, entry.keyType, entry.marker])).toEqual([
      [3, 'ssh-ed25519', null],
      [4, 'ecdsa-sha2-nistp256', null],
      [5, 'ssh-rsa', null],
    ]);
    expect(entries[0]?.key.equals(keys.ed25519.blob)).toBe(true);
  });

  it('reports malformed lines and keeps the rest', () => {
    const ed = keys.ed25519.line.split(' ');
    const text = [`host-only`, `h ssh-rsa ${ed[1]}`, `@bogus h ${keys.ed25519.line}`, `|2|x|y ${keys.ed25519.line}`, `good ${keys.ed25519.line}`].join('\n');
    const { entries, problems } = parseKnownHosts(text);
    expect(problems.map((problem) => problem.line)).toEqual([1, 2, 3, 4]);
    expect(problems[1]?.reason).toMatch(/does not decode as ssh-rsa/);
    expect(entries.map((entry) => entry.line)).toEqual([5]);
  });

  it('reads markers', () => {
    const { entries } = parseKnownHosts(`@revoked * ${keys.other.line}\n@cert-authority *.example.net ${keys.ed25519.line}\n`);
    expect(entries.map((entry) => entry.marker)).toEqual(['revoked', 'cert-authority']);
  });
});

describe('matchesHost', () => {
  const hostsOf = (field: string) => {
    const entry = parseKnownHosts(`${field} ${keys.ed25519.line}`).entries[0];
    if (!entry) throw new Error(`no entry for ${field}`);
    return entry.hosts;
  };

  it('matches hashed names with HMAC-SHA1, including [host]:port', () => {
    expect(matchesHost(hostsOf(hashed('web1.example.net')), 'web1.example.net')).toBe(true);
    expect(matchesHost(hostsOf(hashed('web1.example.net')), 'web2.example.net')).toBe(false);
    expect(matchesHost(hostsOf(hashed('[10.0.0.1]:2222')), '[10.0.0.1]:2222')).toBe(true);
    expect(matchesHost(hostsOf(hashed('[10.0.0.1]:2222')), '10.0.0.1')).toBe(false);
  });

  it('matches what ssh-keygen -H writes', () => {
    const file = join(dir, 'to-hash');
    writeFileSync(file, `[lvs1.example.net]:2200 ${keys.ed25519.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const { entries } = parseKnownHosts(readFileSync(file, 'utf8'));
    expect(entries[0]?.hosts.kind).toBe('hashed');
    expect(checkHostKey({ entries, problems: [] }, 'lvs1.example.net', 2200, keys.ed25519.blob)).toEqual({ status: 'known', line: 1 });
  });

  it('supports * and ? globs and ! negation, case-insensitively', () => {
    expect(matchesHost(hostsOf('*.example.net'), 'web1.example.net')).toBe(true);
    expect(matchesHost(hostsOf('*.example.net'), 'example.net')).toBe(false);
    expect(matchesHost(hostsOf('web?.example.net'), 'web7.example.net')).toBe(true);
    expect(matchesHost(hostsOf('WEB1.example.net'), 'web1.example.net')).toBe(true);
    expect(matchesHost(hostsOf('*.example.net,!db.example.net'), 'db.example.net')).toBe(false);
    expect(matchesHost(hostsOf('[*.example.net]:2222'), '[web1.example.net]:2222')).toBe(true);
    expect(matchesHost(hostsOf('web1.example.net'), 'web1xexample.net')).toBe(false);
  });
});

describe('checkHostKey', () => {
  it('says known, unknown, changed or revoked', () => {
    const knownHosts = parseKnownHosts(
      [
        `web1 ${keys.ed25519.line}`,
        `[web1]:2222 ${keys.other.line}`,
        `@revoked web3 ${keys.rsa.line}`,
        `web3 ${keys.rsa.line}`,
        `@cert-authority web4 ${keys.ed25519.line}`,
      ].join('\n'),
    );
    expect(checkHostKey(knownHosts, 'web1', 22, keys.ed25519.blob)).toEqual({ status: 'known', line: 1 });
    expect(checkHostKey(knownHosts, 'WEB1', 22, keys.ed25519.blob)).toEqual({ status: 'known', line: 1 });
    expect(checkHostKey(knownHosts, 'web2', 22, keys.ed25519.blob)).toEqual({ status: 'unknown' });
    const changed = checkHostKey(knownHosts, 'web1', 2222, keys.ed25519.blob);
    expect(changed.status).toBe('changed');
    expect(changed.status === 'changed' && changed.expected.map((entry) => entry.line)).toEqual([2]);
    expect(checkHostKey(knownHosts, 'web3', 22, keys.rsa.blob)).toEqual({ status: 'revoked', line: 3 });
    expect(checkHostKey(knownHosts, 'web4', 22, keys.ed25519.blob)).toEqual({ status: 'unknown' });
  });

  it('accepts any of several keys listed for a host', () => {
    const knownHosts = parseKnownHosts(`web1 ${keys.rsa.line}\nweb1 ${keys.ed25519.line}\n`);
    expect(checkHostKey(knownHosts, 'web1', 22, keys.ed25519.blob)).toEqual({ status: 'known', line: 2 });
  });
});

describe('host key algorithms', () => {
  it('offers only the types known for the host, RSA as its SHA-2 signatures first', () => {
    const knownHosts = parseKnownHosts(`web1 ${keys.rsa.line}\nweb1,web2 ${keys.ecdsa.line}\nweb9 ${keys.ed25519.line}\n`);
    expect(knownKeyTypes(knownHosts, 'web1', 22)).toEqual(['ssh-rsa', 'ecdsa-sha2-nistp256']);
    expect(hostKeyAlgorithmsFor(knownHosts, 'web1', 22)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ecdsa-sha2-nistp256']);
    expect(hostKeyAlgorithmsFor(knownHosts, 'unknown', 22)).toBeUndefined();
  });

  it('reads the key type inside a blob', () => {
    expect(keyTypeOf(keys.ed25519.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(Buffer.from([0, 0, 0, 200, 1]))).toBeUndefined();
  });
});
