// The directory of a lab host, laid out like a Capistrano-style web server or an LVS director.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { APP_DEFAULTS } from '../app/app.ts';
import { writeReleaseFiles } from '../app/release.ts';

export interface ServerDirOptions {
  initialVersion: string;
  /** Create the health-check file (default true: the server starts in the pool's good graces). */
  healthy?: boolean;
}

export interface ServerDirLayout {
  dir: string;
  /** `dir/app`: the deploy root ({{root}}) relative to the login directory is `app`. */
  appRoot: string;
  releases: string;
  current: string;
  healthFile: string;
}

/** Creates app/releases/<v>/, app/current -> releases/<v>, app/shared/health/ready.html. */
export async function prepareServerDir(dir: string, options: ServerDirOptions): Promise<ServerDirLayout> {
  const appRoot = join(dir, APP_DEFAULTS.root);
  const releases = join(appRoot, 'releases');
  const current = join(appRoot, 'current');
  const healthFile = join(dir, APP_DEFAULTS.healthFile);
  await writeReleaseFiles(join(releases, options.initialVersion), { version: options.initialVersion });
  await symlink(join('releases', options.initialVersion), current);
  await mkdir(dirname(healthFile), { recursive: true });
  if (options.healthy ?? true) await writeFile(healthFile, 'ready\n');
  return { dir, appRoot, releases, current, healthFile };
}

export interface DirectorDirLayout {
  dir: string;
  keepalivedDir: string;
}

/** Creates etc/keepalived/ for a director's keepalived.conf. */
export async function prepareDirectorDir(dir: string): Promise<DirectorDirLayout> {
  const keepalivedDir = join(dir, 'etc', 'keepalived');
  await mkdir(keepalivedDir, { recursive: true });
  return { dir, keepalivedDir };
}
