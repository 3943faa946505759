// Paths in the cluster file: '~' is the injected home directory; relative paths are from the file's directory.

import { isAbsolute, resolve } from 'node:path';

/** '~' or '~/x' → home-based; other paths unchanged ('~user' is not supported and stays as written). */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return resolve(home, path.slice(2));
  return path;
}

/** An absolute path: '~' expanded, relative paths taken from `baseDir`. */
export function resolveConfigPath(path: string, options: { baseDir: string; home: string }): string {
  const expanded = expandHome(path, options.home);
  return isAbsolute(expanded) ? resolve(expanded) : resolve(options.baseDir, expanded);
}
