// The release artifact: its digest, recorded in run-started, so that a promote or resume on
// another machine (another CI runner, with the build downloaded again) proves it uploads the
// same build the canary released; and whether a pipeline needs one at all.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Pipeline } from '../config/types.ts';

export interface ArtifactDigest {
  /** Hex sha256 of the file's bytes. */
  sha256: string;
  size: number;
}

/** Streams the file once (artifacts are often hundreds of MB). */
export async function digestArtifact(path: string): Promise<ArtifactDigest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** The run-started fields of an artifact (none without one). */
export async function artifactFields(path: string | undefined): Promise<{ artifactSha256?: string; artifactSize?: number }> {
  if (!path) return {};
  const digest = await digestArtifact(path);
  return { artifactSha256: digest.sha256, artifactSize: digest.size };
}

/** True when a step uploads `{{artifact}}`: such a pipeline cannot run without `--artifact`. */
export function uploadsArtifact(pipeline: Pipeline): boolean {
  return Object.values(pipeline.phases)
    .flat()
    .some((step) => step.kind === 'upload' && step.from.includes('{{artifact}}'));
}
