import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../../src/config/yaml-source.ts';

const text = `cluster: web
realServers:
  - host: web1
    address: 10.0.0.1
  - { host: web2, address: 10.0.0.x }
ssh:
  user: deploy
`;

describe('parseYamlSource', () => {
  const source = parseYamlSource('release.yaml', text);

  it('keeps the data', () => {
    expect(source.errors).toEqual([]);
    expect(source.data).toMatchObject({ cluster: 'web', realServers: [{ host: 'web1' }, { host: 'web2', address: '10.0.0.x' }] });
  });

  it('locates values, keys and list entries', () => {
    expect(source.locate(['realServers', 1, 'address'])).toEqual({ line: 5, column: 28 });
    expect(source.locate(['realServers', 0, 'address'], { key: true })).toEqual({ line: 4, column: 5 });
    expect(source.locate(['realServers', 1])).toEqual({ line: 5, column: 5 });
    expect(source.locate(['ssh', 'user'])).toEqual({ line: 7, column: 9 });
  });

  it('falls back to the deepest existing ancestor', () => {
    expect(source.locate(['ssh', 'port'])).toEqual({ line: 7, column: 3 });
    expect(source.locate(['nothing', 'here'])).toEqual({ line: 1, column: 1 });
  });

  it('places a finding', () => {
    expect(source.problem({ path: ['realServers', 1, 'address'], message: 'bad', hint: 'fix' })).toEqual({
      file: 'release.yaml',
      line: 5,
      column: 28,
      path: 'realServers[1].address',
      message: 'bad',
      hint: 'fix',
    });
  });

  it('resolves anchors and merge keys, so shared blocks can be written once', () => {
    const shared = parseYamlSource('m.yaml', 'defaults: &ssh { user: deploy, port: 2222 }\ndirectors:\n  - host: a\n    ssh: { <<: *ssh, port: 22 }\n');
    expect(shared.errors).toEqual([]);
    expect(shared.data).toMatchObject({ directors: [{ host: 'a', ssh: { user: 'deploy', port: 22 } }] });
  });

  it("reports syntax errors with their line and column, without the parser's position text", () => {
    const broken = parseYamlSource('x.yaml', 'a: 1\nb: "open\n');
    expect(broken.errors).toHaveLength(1);
    expect(broken.errors[0]).toMatchObject({ file: 'x.yaml', line: 3, path: '' });
    expect(broken.errors[0]!.message).toBe('YAML: Missing closing "quote');
  });
});
