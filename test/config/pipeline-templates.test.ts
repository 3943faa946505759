// Issue 8 item 3: every templated field of a pipeline is checked at load time by the same rules,
// against the same variables, as the engine renders it with; a check's fields get every variable.
import { describe, expect, it } from 'vitest';
import { loadCluster } from '../../src/config/load.ts';
import type { LoadResult } from '../../src/config/load.ts';
import { formatProblems } from '../../src/config/problems.ts';
import { clusterFiles, LOAD, memoryFs } from './builders.ts';

const pipelineWith = (verify: string) => `name: tiny
phases:
  deploy:
    - run: ln -sfn releases/{{release}} {{root}}/current
  verify:
${verify}
  rollback:
    - run: ln -sfn releases/{{previous}} {{root}}/current
`;

async function load(verify: string): Promise<LoadResult> {
  return loadCluster('/cfg/release.yaml', { ...LOAD, fs: memoryFs(clusterFiles(undefined, pipelineWith(verify))) });
}

function problemLines(result: LoadResult): string[] {
  if (result.ok) throw new Error('expected problems, the load succeeded');
  return formatProblems(result.problems).split('\n');
}

describe('templated fields of an http check', () => {
  it('refuses an unknown variable in bodyPattern, with file:line:col and the path', async () => {
    const lines = problemLines(await load('    - http: { path: /, expect: { bodyPattern: "version={{relase}}" } }'));
    expect(lines).toEqual([
      expect.stringMatching(
        /^\/cfg\/pipeline\.yaml:6:\d+ phases\.verify\[0\]\.http\.expect\.bodyPattern: unknown variable \{\{relase\}\}\. Fix: use one of .*\{\{release\}\}/,
      ),
    ]);
  });

  it('refuses an unknown variable in a header and in the path', async () => {
    const verify = ['    - http:', '        path: /v/{{version}}', '        expect: { header: { X-Release: "{{rel}}" } }'].join('\n');
    const lines = problemLines(await load(verify));
    expect(lines).toEqual([
      expect.stringMatching(/^\/cfg\/pipeline\.yaml:7:\d+ phases\.verify\[0\]\.http\.path: unknown variable \{\{version\}\}/),
      expect.stringMatching(/^\/cfg\/pipeline\.yaml:8:\d+ phases\.verify\[0\]\.http\.expect\.header\.X-Release: unknown variable \{\{rel\}\}/),
    ]);
  });

  it('refuses a malformed placeholder in bodyPattern', async () => {
    const lines = problemLines(await load('    - http: { path: /, expect: { bodyPattern: "v={{ no way }}" } }'));
    expect(lines).toEqual([expect.stringContaining('phases.verify[0].http.expect.bodyPattern: "{{ no way }}" is not a placeholder')]);
  });

  it('refuses a path that does not start with "/" even when it starts with a variable (values are URL-encoded)', async () => {
    const lines = problemLines(await load('    - http: { path: "{{release}}/health" }'));
    expect(lines).toEqual([expect.stringContaining('phases.verify[0].http.path: "{{release}}/health" does not start with "/"')]);
  });

  it('accepts every pipeline variable in every field of a check', async () => {
    const verify = [
      '    - http:',
      '        path: /v/{{release}}?host={{server.name}}',
      '        host: "{{server.host}}"',
      '        expect: { body: "{{release}}", bodyPattern: "^version={{release}} host={{server.name}}$", header: { X-Release: "{{release}}" } }',
    ].join('\n');
    const result = await load(verify);
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.pipeline.phases.verify[0]).toMatchObject({ kind: 'http', expect: { bodyPattern: '^version={{release}} host={{server.name}}$' } });
  });
});
