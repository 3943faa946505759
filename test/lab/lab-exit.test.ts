// Everything the lab and a run open is closed on stop: a process that starts a lab, releases on it
// under load and stops it ends by itself (issue 8: `npm run demo` never exited).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { tailOf, watchExit } from './child-exit.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./lab-release-stop.child.ts', import.meta.url));

let work = '';
afterEach(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

it.each(['off', 'inhibit'])(
  'a process that starts a lab (checker %s), releases under load and stops the lab exits by itself',
  async (checker) => {
    work = await mkdtemp(join(tmpdir(), 'lvs-lab-exit-'));
    // Generous deadlines for a loaded 2-core machine; a process that does not exit is killed.
    const result = await watchExit({ args: [CHILD, work, checker], cwd: ROOT, marker: /^lab stopped in /m, totalMs: 200_000, afterMarkerMs: 30_000 });
    expect(result.stdout, tailOf(result)).toMatch(/^release exit 0;/m);
    expect(result.exitAfterMarkerMs, tailOf(result)).toBeDefined();
    expect(result.killed, tailOf(result)).toBeUndefined();
    expect(result.code, tailOf(result)).toBe(0);
  },
  240_000,
);
