// Shared fixtures live beside the repository (`../shared/fixtures`); resolve them from the repo root.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a fixture, e.g. `fixturePath('ipvsadm/list-empty.txt')`. */
export function fixturePath(name: string): string {
  return resolve(repoRoot, '..', 'shared', 'fixtures', name);
}

/** A fixture's exact text (trailing spaces and final newline kept). */
export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}
