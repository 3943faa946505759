// Private key contents, passwords and tokens never reach stdout (NDJSON events), the report, the
// journal, or the error messages, even when a failing remote step prints them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, expect, it } from 'vitest';
import { startE2eLab, type E2eLab } from './harness.ts';

let env: E2eLab | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

it('a step that prints the private key, a password and a token: none of them is written anywhere', async () => {
  const shipped = parse(await readFile(new URL('../../pipelines/symlink.yaml', import.meta.url), 'utf8')) as { phases: Record<string, unknown[]> };
  const leaky = {
    name: 'print secrets, then fail',
    // The lab's private key is readable from the server's login dir (../id_ed25519).
    run: 'cat ../id_ed25519 >&2; echo "db password=hunter2-secret token=abc123tok" >&2; echo "$DEPLOY_TOKEN" >&2; exit 1',
  };
  env = await startE2eLab({ servers: 2, pipelineExtra: { phases: { ...shipped.phases, deploy: [leaky, ...(shipped.phases.deploy ?? [])] } } });
  const key = await readFile(env.lab.info.privateKey, 'utf8');
  const keyBody = key.split('\n').filter((l) => l && !l.startsWith('-----'))[0] as string;
  const good = await env.artifact('v2');
  const reportPath = join(env.dir, 'report.json');
  const result = await env.release(['--artifact', good, '--batch', '1', '--json', '--report', reportPath], { DEPLOY_TOKEN: 'tok-3f9a2c1d7e' });
  expect(result.code).toBe(1);
  const written = [
    result.stdout,
    result.stderr,
    await readFile(reportPath, 'utf8'),
    await readFile(join(env.lab.dir, 'journal', 'lab.journal.ndjson'), 'utf8'),
  ];
  for (const text of written) {
    expect(text).not.toContain(keyBody);
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('abc123tok');
    expect(text).not.toContain('tok-3f9a2c1d7e');
  }
  // The failure itself is still reported, with the secrets masked.
  expect(result.stdout).toContain('print secrets, then fail');
  expect(result.stdout).toContain('***');
});
