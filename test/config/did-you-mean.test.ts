import { describe, expect, it } from 'vitest';
import { closestMatch, levenshtein, suggestionHint } from '../../src/config/did-you-mean.ts';

describe('levenshtein', () => {
  it('counts edits', () => {
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('realServer', 'realServers')).toBe(1);
    expect(levenshtein('same', 'same')).toBe(0);
    expect(levenshtein('knwon', 'known')).toBe(1);
  });
});

describe('closestMatch', () => {
  const keys = ['cluster', 'directors', 'services', 'realServers', 'ssh', 'identityFile', 'knownHosts'];

  it('finds keys within two edits, ignoring case', () => {
    expect(closestMatch('realServer', keys)).toBe('realServers');
    expect(closestMatch('identitfile', keys)).toBe('identityFile');
    expect(closestMatch('Directors', keys)).toBe('directors');
    expect(closestMatch('knwonHost', keys)).toBe('knownHosts');
  });

  it('gives nothing when nothing is close', () => {
    expect(closestMatch('timezone', keys)).toBeUndefined();
  });
});

describe('suggestionHint', () => {
  it('suggests, else lists', () => {
    expect(suggestionHint('shh', ['ssh', 'app'])).toBe('did you mean "ssh"?');
    expect(suggestionHint('zzzzzz', ['ssh', 'app'], 'allowed keys here')).toBe('allowed keys here: ssh, app.');
  });
});
