import { describe, expect, it } from 'vitest';
import { expandHome, resolveConfigPath } from '../../src/config/paths.ts';

describe('config paths', () => {
  it('expands ~ with the given home only', () => {
    expect(expandHome('~', '/home/ops')).toBe('/home/ops');
    expect(expandHome('~/.ssh/id', '/home/ops')).toBe('/home/ops/.ssh/id');
    expect(expandHome('~other/x', '/home/ops')).toBe('~other/x');
    expect(expandHome('/abs', '/home/ops')).toBe('/abs');
  });

  it('resolves relative paths from the cluster file directory', () => {
    const options = { baseDir: '/etc/release', home: '/home/ops' };
    expect(resolveConfigPath('keys/id', options)).toBe('/etc/release/keys/id');
    expect(resolveConfigPath('../kh', options)).toBe('/etc/kh');
    expect(resolveConfigPath('~/kh', options)).toBe('/home/ops/kh');
    expect(resolveConfigPath('/x/./y', options)).toBe('/x/y');
  });
});
