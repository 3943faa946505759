// SPEC "The release" on the lab, under load through the VIP: a good release, and the batch sizes.
import { afterEach, describe, expect, it } from 'vitest';
import { failuresOf, startE2eLab, type E2eLab } from './harness.ts';

let env: E2eLab | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function releaseUnderLoad(e: E2eLab, args: string[]) {
  const good = await e.artifact('v2');
  const load = e.startLoad();
  const result = await e.release(['--artifact', good, '--release-id', 'r2', ...args]);
  const traffic = await load.stop();
  return { result, traffic };
}

function expectAllReleased(e: E2eLab) {
  expect(Object.values(e.versions())).toEqual(Array(e.lab.servers.length).fill('v2'));
  for (const weights of Object.values(e.weights())) {
    expect(Object.values(weights)).toEqual(Array(e.lab.servers.length).fill(100));
  }
}

describe('a rolling release on the lab', () => {
  it('--batch 2 on 6 servers: exit 0, every server on v2 and back at weight 100 on both directors, no failed request, never more than 2 out', async () => {
    env = await startE2eLab({ servers: 6 });
    const { result, traffic } = await releaseUnderLoad(env, ['--batch', '2']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expectAllReleased(env);
    expect(failuresOf(traffic)).toEqual({});
    expect(traffic.ok).toBeGreaterThan(50);
    expect(env.maxOut()).toBe(2);
    expect(result.stdout).toMatch(/web6\s+released\s+v1\s+r2/);
  });

  it.each([
    ['25%', 1],
    ['1,2,50%', 3],
  ])('--batch %s keeps at most %i out of the pool', async (batch, most) => {
    env = await startE2eLab({ servers: 6 });
    const { result, traffic } = await releaseUnderLoad(env, ['--batch', batch]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expectAllReleased(env);
    expect(failuresOf(traffic)).toEqual({});
    expect(env.maxOut()).toBeLessThanOrEqual(most);
    expect(env.maxOut()).toBeGreaterThan(0);
  });
});
