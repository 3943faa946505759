// Issue 8 item 3 on the lab: the pipeline's variables reach every field of a smoke check. A release
// whose verify checks `bodyPattern: "{{release}}"` passes validate, then succeeds (before the fix
// every verify failed with "unknown template variable", the rollback's verify too: exit 4).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { eventsOf, expectAllOn, startE2eLab, type E2eLab } from './harness.ts';

let env: E2eLab;

/** Appends smoke checks to the verify phase of the lab's pipeline. */
async function addVerifySteps(e: E2eLab, steps: unknown[]): Promise<void> {
  const path = join(e.lab.dir, 'pipeline.yaml');
  const pipeline = parse(await readFile(path, 'utf8')) as { phases: Record<string, unknown[]> };
  pipeline.phases['verify'] = [...(pipeline.phases['verify'] ?? []), ...steps];
  await writeFile(path, stringify(pipeline));
}

beforeAll(async () => {
  env = await startE2eLab({ servers: 2 });
});
afterAll(async () => {
  await env?.close();
});

describe('templated smoke checks on the lab', () => {
  it('a release with bodyPattern "{{release}}" in verify validates and succeeds', async () => {
    await addVerifySteps(env, [
      { name: 'the app serves this release', http: { path: '/', expect: { status: 200, bodyPattern: '{{release}}' }, retries: 10, interval: '200ms' } },
    ]);
    const validate = await env.cli(['validate', '-c', env.config]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    const result = await env.release(['--artifact', await env.artifact('v2'), '--release-id', 'v2', '--batch', '1']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    await expectAllOn(env, 'v2');
  });

  it('path, header and pattern get every variable, escaped: "v3.0" does not match an app serving v3x0, and the rollback verifies v2.1', async () => {
    await addVerifySteps(env, [
      {
        name: 'this exact release on this server',
        http: {
          path: '/?release={{release}}&server={{server.name}}',
          expect: {
            status: 200,
            bodyPattern: '^version={{release}} host={{server.name}}\\s*$',
            header: { 'X-Release': '{{release}}', 'X-Host': '{{server.name}}' },
          },
          retries: 2,
          interval: '100ms',
        },
      },
    ]);
    const good = await env.release(['--artifact', await env.artifact('v2.1'), '--release-id', 'v2.1', '--batch', '1']);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    await expectAllOn(env, 'v2.1');
    const smoke = eventsOf(env, 'smoke').filter((e) => e.ok && e.url.includes('release='));
    expect(smoke.map((e) => e.url)).toContain(`http://127.0.0.1:${env.lab.servers[0]!.app.port}/?release=v2.1&server=web1`);

    // The artifact says v3x0, the release is called v3.0: "." must match only a dot.
    const mismatch = await env.release(['--artifact', await env.artifact('v3x0'), '--release-id', 'v3.0', '--batch', '1']);
    expect(mismatch.code, mismatch.stdout + mismatch.stderr).toBe(1);
    expect(mismatch.stdout).toContain('body does not match /v3\\.0/ (got 23 bytes: "version=v3x0 host=web1")');
    await expectAllOn(env, 'v2.1');
  });
});
