// The pipeline's linkedDirs and linkedFiles: paths relative to a release, linked to the same path
// under {{root}}/shared. The engine removes what the artifact put at each one (`rm -rf`) before
// linking, so a path must name exactly one thing inside the release: checked here, by the loader
// and again by the step that builds the commands.

/** Why `path` cannot be a linked path, or undefined when it is a clean relative path. */
export function linkedPathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (/[\0\r\n]/.test(path)) return 'holds a line break or NUL';
  if (path.includes('{{')) return 'is a plain path, not a template';
  if (path.startsWith('/')) return 'is absolute';
  if (path.endsWith('/')) return 'ends with "/"';
  if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) return 'has an empty, "." or ".." segment';
  return undefined;
}

/** One linked path inside (or equal to) another: `storage` and `storage/logs`, or the same path twice. */
export function linkedPathsOverlap(a: string, b: string): boolean {
  return a === b || b.startsWith(`${a}/`) || a.startsWith(`${b}/`);
}

/** The relative target of the link at `<release>/<path>`: up to the deploy root, then into shared/. */
export function sharedLinkTarget(path: string): string {
  // NOTE: relative, so it holds for a relative app.root too and survives moving the root; the
  // release is <root>/releases/<id>, so the link's directory is 1 + (segments - 1) levels below it.
  const depth = path.split('/').length + 1;
  return `${'../'.repeat(depth)}shared/${path}`;
}
