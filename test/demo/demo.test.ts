// `npm run demo` is the README's first command: it must end by itself, with 0 (issue 8: it printed
// its summaries, then spun at 100 % CPU forever in Node's exit cleanup).
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { tailOf, watchExit } from '../lab/child-exit.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

it('npm run demo releases, rolls back, and exits 0 by itself', async () => {
  // Generous deadlines for a loaded 2-core machine (the demo takes about 30 s on an idle one).
  const result = await watchExit({
    args: ['src/demo/demo.ts'],
    cwd: ROOT,
    marker: /^demo: (as expected|UNEXPECTED)/m,
    totalMs: 280_000,
    afterMarkerMs: 60_000,
  });
  expect(result.stdout, tailOf(result)).toMatch(/^demo: as expected \(0 then 1, no failed request\)\.$/m);
  expect(result.stdout, tailOf(result)).toMatch(/^demo: lab stopped; done in \d+\.\d s$/m);
  expect(result.killed, tailOf(result)).toBeUndefined();
  expect(result.code, tailOf(result)).toBe(0);
}, 300_000);
