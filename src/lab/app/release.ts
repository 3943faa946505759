// A lab release: the `release.json` the app reads at start, and the files every release holds.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';

export const BROKEN_MODES = ['start', 'health'] as const;
export type BrokenMode = (typeof BROKEN_MODES)[number];

export interface ReleaseInfo {
  version: string;
  /** `start`: the app refuses to start on it; `health`: it starts but answers 500. */
  broken?: BrokenMode;
}

export type ReadReleaseResult = { ok: true; release: ReleaseInfo } | { ok: false; reason: string };

/** Lab versions end up in paths and shell commands: keep them to a safe alphabet. */
export function isSafeVersion(version: string): boolean {
  return /^[A-Za-z0-9._+-]{1,100}$/.test(version) && !version.startsWith('-') && version !== '.' && version !== '..';
}

/** Parses release.json text; a bad file is a reason, not a throw. */
export function parseRelease(text: string): ReadReleaseResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `release.json is not JSON: ${(error as Error).message}` };
  }
  const d = data as Partial<Record<keyof ReleaseInfo, unknown>> | null;
  if (typeof d !== 'object' || d === null || typeof d.version !== 'string' || d.version === '') {
    return { ok: false, reason: 'release.json has no "version"' };
  }
  if (d.broken !== undefined && !BROKEN_MODES.includes(d.broken as BrokenMode)) {
    return { ok: false, reason: `release.json: "broken" must be one of ${BROKEN_MODES.join(', ')}` };
  }
  return { ok: true, release: d.broken === undefined ? { version: d.version } : { version: d.version, broken: d.broken as BrokenMode } };
}

/** Reads `<releaseDir>/release.json` (releaseDir is usually the `current` symlink). */
export async function readRelease(releaseDir: string): Promise<ReadReleaseResult> {
  const file = join(releaseDir, 'release.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, reason: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  return parseRelease(text);
}

export interface ReleaseFilesOptions extends ReleaseInfo {
  /** Bytes of random padding in `pad.bin` (benchmarks of large uploads); none when 0/absent. */
  padBytes?: number;
}

const PAD_CHUNK = 1024 * 1024;

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; left -= PAD_CHUNK) {
    if (!out.write(randomBytes(Math.min(left, PAD_CHUNK)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Writes a release's files into `dir`: release.json, VERSION, public/index.html, and optional pad.bin. */
export async function writeReleaseFiles(dir: string, options: ReleaseFilesOptions): Promise<string[]> {
  if (!isSafeVersion(options.version)) throw new Error(`unsafe release version: ${JSON.stringify(options.version)}`);
  const info: ReleaseInfo = options.broken ? { version: options.version, broken: options.broken } : { version: options.version };
  await mkdir(join(dir, 'public'), { recursive: true });
  await writeFile(join(dir, 'release.json'), `${JSON.stringify(info)}\n`);
  await writeFile(join(dir, 'VERSION'), `${options.version}\n`);
  await writeFile(join(dir, 'public', 'index.html'), `<!doctype html>\n<title>lab ${options.version}</title>\n<p>release ${options.version}</p>\n`);
  const files = ['release.json', 'VERSION', 'public'];
  if (options.padBytes && options.padBytes > 0) {
    await writeRandomFile(join(dir, 'pad.bin'), options.padBytes);
    files.push('pad.bin');
  }
  return files;
}
