// The package's version, read from package.json so `release --version` never drifts from it.
// NOTE: src/ and dist/ sit side by side under the package root, so one relative path serves both.
import { readFileSync } from 'node:fs';

function readPackageVersion(): string {
  const file = new URL('../package.json', import.meta.url);
  const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
  if (typeof version !== 'string' || version === '') throw new Error(`${file.pathname} has no "version"`);
  return version;
}

/** The `version` field of this package's package.json. */
export const VERSION: string = readPackageVersion();
