// `link: shared`: what stays across releases (uploads, logs, the .env) lives in {{root}}/shared and
// is linked into each release, as Capistrano's linked_dirs/linked_files and Deployer's shared_dirs/
// shared_files. Two commands, both built by `sh` (every path one quoted word): a read-only check
// that every linked file exists in shared/ (a dry run runs it too), then the links.
import { linkedPathProblem, linkedPathsOverlap, sharedLinkTarget } from '../config/linked-paths.ts';
import { sharedDirOf } from '../config/pipeline-vars.ts';
import { sh, type ShellScript } from '../shell/script.ts';

export interface LinkLayout {
  /** The deploy root (app.root), as written. */
  root: string;
  release: string;
  /** Relative to the release. */
  dirs: readonly string[];
  files: readonly string[];
}

/** The link script's exit status when the release directory is not there (nothing was unpacked). */
export const NO_RELEASE_DIR_EXIT = 3;
/** ... and when a directory on the way to a linked path is a symbolic link (it could lead out of the release). */
export const LINK_ESCAPES_EXIT = 4;

/** `<root>/releases/<release>` and `<root>/shared`. */
export function linkDirs(layout: Pick<LinkLayout, 'root' | 'release'>): { releaseDir: string; sharedDir: string } {
  return { releaseDir: `${layout.root.replace(/\/+$/, '')}/releases/${layout.release}`, sharedDir: sharedDirOf(layout.root) };
}

// NOTE: the loader refuses these already; the step is the last line before `rm -rf`, so it checks again.
function assertClean(layout: LinkLayout): void {
  const all = [...layout.dirs, ...layout.files];
  for (const path of all) {
    const problem = linkedPathProblem(path);
    if (problem) throw new TypeError(`linked path "${path}" ${problem}`);
  }
  all.forEach((a, i) => {
    const other = all.slice(i + 1).find((b) => linkedPathsOverlap(a, b));
    if (other !== undefined) throw new TypeError(`linked paths "${a}" and "${other}" overlap`);
  });
  if (layout.release === '' || layout.release.includes('/')) throw new TypeError(`release id "${layout.release}" cannot name a directory`);
}

function parentOf(path: string): string | undefined {
  const cut = path.lastIndexOf('/');
  return cut < 0 ? undefined : path.slice(0, cut);
}

/** `a/b/c` → `a`, `a/b`: every directory on the way, shallowest first. */
function prefixesOf(path: string): string[] {
  const segments = path.split('/').slice(0, -1);
  return segments.map((_, i) => segments.slice(0, i + 1).join('/'));
}

/** Read-only: prints every linked file missing from shared/ (one per line), exit 0. Undefined when there are none. */
export function missingSharedFilesScript(layout: LinkLayout): ShellScript | undefined {
  assertClean(layout);
  if (layout.files.length === 0) return undefined;
  const { sharedDir } = linkDirs(layout);
  const paths = layout.files.map((file) => `${sharedDir}/${file}`);
  return sh`for f in ${paths}; do test -f "$f" || printf '%s\\n' "$f"; done`;
}

/**
 * The links: each linked directory made in shared/ when missing (seeded once from the release's own
 * copy, as Deployer does, else empty), every parent made in the release, what the artifact put at
 * each path removed, and `ln -sfn` to the relative target. Exits NO_RELEASE_DIR_EXIT when the
 * release directory is not there.
 */
export function linkSharedScript(layout: LinkLayout): ShellScript {
  assertClean(layout);
  const { releaseDir, sharedDir } = linkDirs(layout);
  const parts: ShellScript[] = [
    sh`{ test -d ${releaseDir} || { printf 'no release directory %s: link: shared must come after the step that unpacks the release\\n' ${releaseDir} >&2; exit ${NO_RELEASE_DIR_EXIT}; }; }`,
  ];
  for (const dir of layout.dirs) {
    const [inShared, inRelease] = [`${sharedDir}/${dir}`, `${releaseDir}/${dir}`];
    const sharedParent = `${sharedDir}/${parentOf(dir) ?? ''}`.replace(/\/$/, '');
    parts.push(
      sh`if [ ! -d ${inShared} ]; then if [ -d ${inRelease} ] && [ ! -L ${inRelease} ]; then mkdir -p -- ${sharedParent} && cp -RPp -- ${inRelease} ${inShared}; else mkdir -p -- ${inShared}; fi; fi`,
    );
  }
  const parents = [...new Set([...layout.dirs, ...layout.files].flatMap(prefixesOf))].map((parent) => `${releaseDir}/${parent}`);
  if (parents.length > 0) {
    // NOTE: `rm -rf` below must stay inside the release: a symlinked parent (var -> /var) would lead it out.
    parts.push(
      sh`for d in ${parents}; do if [ -L "$d" ]; then printf '%s is a symbolic link: a linked path must lie inside the release\n' "$d" >&2; exit ${LINK_ESCAPES_EXIT}; fi; done`,
      sh`mkdir -p -- ${parents}`,
    );
  }
  for (const path of [...layout.dirs, ...layout.files]) {
    const inRelease = `${releaseDir}/${path}`;
    parts.push(sh`rm -rf -- ${inRelease} && ln -sfn -- ${sharedLinkTarget(path)} ${inRelease}`);
  }
  return parts.reduce((script, next) => sh`${script} && ${next}`);
}

/** The missing files from the check's output, as linkedFiles entries. */
export function missingLinkedFiles(layout: LinkLayout, stdout: string): string[] {
  const { sharedDir } = linkDirs(layout);
  const missing = new Set(stdout.split('\n').filter((line) => line !== ''));
  return layout.files.filter((file) => missing.has(`${sharedDir}/${file}`));
}
