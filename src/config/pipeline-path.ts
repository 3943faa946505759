// Where a cluster file's `pipeline:` points: a file next to it, or a pipeline shipped with the package.

import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (src/config/ or dist/config/ → ../../), where `pipelines/` is shipped. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PipelineLocation {
  /** Absolute path. */
  file: string;
  /** As the user should see it in messages: relative to the cluster file as given, or absolute. */
  display: string;
  shipped: boolean;
}

/** A bare name ('symlink') is shipped; anything with a '/' or an extension is a path. */
export function isShippedPipelineName(value: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(value);
}

/** Resolve `pipeline:`; relative paths are from the cluster file's directory. */
export function locatePipeline(value: string, options: { clusterFile: string; clusterDisplay: string; packageRoot?: string }): PipelineLocation {
  if (isShippedPipelineName(value)) {
    const file = join(options.packageRoot ?? PACKAGE_ROOT, 'pipelines', `${value}.yaml`);
    return { file, display: file, shipped: true };
  }
  if (isAbsolute(value)) return { file: resolve(value), display: value, shipped: false };
  return {
    file: resolve(dirname(options.clusterFile), value),
    display: join(dirname(options.clusterDisplay), value),
    shipped: false,
  };
}
