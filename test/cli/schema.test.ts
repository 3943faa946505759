// `release schema [cluster|pipeline]` (issue 12 item 6) and `release --version` (item 8).
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema } from '../../src/config/json-schema.ts';
import { cli } from './support.ts';

const release = (...argv: string[]) => cli(tmpdir(), argv);
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('release schema', () => {
  it('prints the cluster file schema by default, as JSON on stdout', async () => {
    const result = await release('schema');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual(buildJsonSchema('cluster'));
  });

  it.each(['cluster', 'pipeline'] as const)('release schema %s', async (kind) => {
    const result = await release('schema', kind);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(buildJsonSchema(kind));
  });

  it('refuses an unknown schema with exit 2 and a suggestion', async () => {
    const result = await release('schema', 'pipline');
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/no schema "pipline".*\n.*did you mean `release schema pipeline`\?/);
  });

  it('refuses an option it does not take', async () => {
    const result = await release('-c', 'x.yaml', 'schema');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--config was given before `release schema`/);
  });
});

describe('release --version', () => {
  it('prints the version of package.json', async () => {
    const result = await release('--version');
    expect(result).toMatchObject({ code: 0, stdout: `${packageJson.version}\n` });
  });
});
