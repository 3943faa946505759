import { describe, expect, it } from 'vitest';
import { generateKeyPair, knownHostsLine, parseAuthorizedKeys, parseKey, publicKeyLine } from '../../../src/lab/host/host-keys.ts';

describe('lab host keys', () => {
  it('generates an OpenSSH-format ed25519 pair whose halves match', () => {
    const pair = generateKeyPair('web1');
    expect(pair.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(pair.publicKey).toMatch(/^ssh-ed25519 AAAA\S+/);
    expect(publicKeyLine(pair.privateKey)).toBe(publicKeyLine(pair.publicKey));
    const signed = parseKey(pair.privateKey).sign(Buffer.from('data'));
    expect(parseKey(pair.publicKey).verify(Buffer.from('data'), signed)).toBe(true);
  });

  it('writes known_hosts lines the way OpenSSH matches them', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const keyPart = publicKey.split(' ').slice(0, 2).join(' ');
    expect(knownHostsLine({ port: 40022, hostKey: privateKey })).toBe(`[127.0.0.1]:40022 ${keyPart}`);
    expect(knownHostsLine({ host: 'lvs1', port: 22, hostKey: publicKey })).toBe(`lvs1 ${keyPart}`);
  });

  it('parses authorized_keys text, skipping comments and blank lines', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const keys = parseAuthorizedKeys(`# lab\n${a.publicKey} alice\n\n${b.publicKey}\n`);
    expect(keys.map((k) => publicKeyLine(k))).toEqual([publicKeyLine(a.publicKey), publicKeyLine(b.publicKey)]);
    expect(() => parseKey('ssh-ed25519 notbase64!!')).toThrow(/cannot parse SSH key/);
  });
});
