// Lab release artifacts: a .tar.gz with the release's files at the archive root.
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { create } from 'tar';
import { writeReleaseFiles, type BrokenMode } from './release.ts';

export interface ArtifactOptions {
  version: string;
  broken?: BrokenMode;
  /** Where to write the .tar.gz (its directory is created). */
  out: string;
  /** Random bytes in `pad.bin`, to make the artifact as large as a benchmark needs. */
  padBytes?: number;
}

export interface Artifact {
  path: string;
  bytes: number;
  version: string;
}

/** Builds the artifact that `tar -xzf FILE -C releases/V` unpacks into a servable release. */
export async function buildArtifact(options: ArtifactOptions): Promise<Artifact> {
  await mkdir(dirname(options.out), { recursive: true });
  // Stage beside the output: same file system, and cleaned up whatever happens.
  const stage = await mkdtemp(join(dirname(options.out), '.artifact-'));
  try {
    const files = await writeReleaseFiles(stage, options);
    await create({ gzip: true, file: options.out, cwd: stage, portable: true }, files);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  return { path: options.out, bytes: (await stat(options.out)).size, version: options.version };
}
