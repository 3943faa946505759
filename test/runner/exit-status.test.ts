import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/core/errors.ts';
import { EXIT_BY_OUTCOME, exitStatusFor, RUN_KINDS } from '../../src/runner/exit-status.ts';

describe('the exit status of a run', () => {
  it('is 1 when a release rolled back, and 0 when an undo (abort, rollback, recover) did', () => {
    for (const kind of ['release', 'promote', 'resume'] as const) expect(exitStatusFor(kind, 'rolled-back')).toBe(EXIT.failedRolledBack);
    for (const kind of ['abort', 'rollback', 'recover'] as const) expect(exitStatusFor(kind, 'rolled-back')).toBe(EXIT.ok);
  });

  it('is the same for every kind for every other outcome', () => {
    for (const [outcome, byGoal] of Object.entries(EXIT_BY_OUTCOME)) {
      if (outcome === 'rolled-back') continue;
      expect(byGoal.release, outcome).toBe(byGoal.undo);
    }
    expect(Object.keys(RUN_KINDS).sort()).toEqual(['abort', 'promote', 'recover', 'release', 'resume', 'rollback']);
  });

  it('a paused canary is its own outcome, and exits 0 (the job did what --canary asked; the outcome tells it apart)', () => {
    for (const kind of Object.keys(RUN_KINDS) as (keyof typeof RUN_KINDS)[]) expect(exitStatusFor(kind, 'paused')).toBe(EXIT.ok);
    expect(Object.keys(EXIT_BY_OUTCOME)).toContain('paused');
  });

  it('uses only the exit statuses SPEC names (0, 1, 2, 3, 4, 130)', () => {
    const used = new Set(Object.values(EXIT_BY_OUTCOME).flatMap((byGoal) => [byGoal.release, byGoal.undo]));
    for (const code of used) expect([0, 1, 2, 3, 4, 130]).toContain(code);
  });

  it('is printed in the README as the table says', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Exit status by outcome'));
    for (const [outcome, byGoal] of Object.entries(EXIT_BY_OUTCOME)) {
      expect(section, outcome).toMatch(new RegExp(`\\| \`${outcome}\` \\| ${byGoal.release} \\| ${byGoal.undo} \\|`));
    }
  });
});
