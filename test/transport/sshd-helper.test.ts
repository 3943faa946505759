import { describe, expect, it } from 'vitest';
import { requireSshd } from '../helpers/sshd.ts';

describe('test sshd helper', () => {
  it('fails loudly, with the install command, when sshd is missing (never a silent skip)', () => {
    expect(() => requireSshd('/nonexistent/sbin/sshd')).toThrow(/apt-get install -y openssh-server/);
  });

  it('finds the real sshd on this machine', () => {
    expect(() => requireSshd()).not.toThrow();
  });
});
