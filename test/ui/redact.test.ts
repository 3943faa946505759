import { describe, expect, it } from 'vitest';
import { createRedactor, redactDeep } from '../../src/ui/redact.ts';

const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACDx8gkQ1uQzN0bBqbUeTQ9K3kTjqJm0FAKEKEYMATERIALONLY0000000000',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

describe('createRedactor', () => {
  it('masks every occurrence of every secret, longest first, and their URL-encoded forms', () => {
    const redact = createRedactor(['p@ss word', 'p@ss', '']);
    expect(redact('a p@ss word b p@ss c p%40ss%20word d')).toBe('a *** b *** c *** d');
  });

  it('ignores empty secrets instead of masking everything', () => {
    expect(createRedactor(['', '  '])('nothing secret here')).toBe('nothing secret here');
  });

  it('masks a private key block, multi-line, and a truncated one', () => {
    const redact = createRedactor([]);
    const out = redact(`before\n${KEY}\nafter`);
    expect(out).toBe('before\n***\nafter');
    expect(redact(`x ${KEY.slice(0, 120)}`)).toBe('x ***');
    expect(redact('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----')).toBe('***');
  });

  it('masks URL passwords and password=/token= style values but keeps the rest', () => {
    const redact = createRedactor([]);
    expect(redact('clone https://deploy:hunter2@git.example.com/app.git')).toBe('clone https://deploy:***@git.example.com/app.git');
    expect(redact('GET /health?token=abc123&x=1')).toBe('GET /health?token=***&x=1');
    expect(redact('DB_PASSWORD="s e c" next')).toBe('DB_PASSWORD=*** next');
    expect(redact('api_key: k-123')).toBe('api_key: ***');
    expect(redact('Authorization: Bearer eyJhbGciOi.abc')).toBe('Authorization: Bearer ***');
    expect(redact('weight 100→0 on lvs1')).toBe('weight 100→0 on lvs1');
  });

  it('redacts every string of a nested value, leaving other values alone', () => {
    const redact = createRedactor(['hunter2']);
    const value = { a: 'x hunter2', b: [{ c: `key ${KEY}` }], n: 3, ok: true, none: null };
    expect(redactDeep(value, redact)).toEqual({ a: 'x ***', b: [{ c: 'key ***' }], n: 3, ok: true, none: null });
    expect(value.a).toBe('x hunter2');
  });
});
