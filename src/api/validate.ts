// `validate()`: check the cluster file and its pipeline without touching the network. Problems
// are its answer, not an error: every one of both files, with file, line, path and fix.
import { loadCluster } from '../config/load.ts';
import type { ConfigProblem } from '../config/problems.ts';
import type { Cluster, Pipeline } from '../config/types.ts';
import { OUTPUT_SCHEMA_VERSION } from '../events/version.ts';
import { resolveConfigPath, type ConfigSource } from './config.ts';
import { edgesOf } from './edges.ts';
import type { CommonOptions } from './options.ts';

/** `release validate --json` (only when valid: problems are the `error` event's `details.problems`). */
export interface ValidateDocument {
  schemaVersion: typeof OUTPUT_SCHEMA_VERSION;
  command: 'validate';
  ok: true;
  /** The cluster file (absolute) and where its name came from (`-c`, RELEASE_CONFIG, the default). */
  file: string;
  source: ConfigSource;
  cluster: { name: string; directors: number; services: number; realServers: number };
  pipeline: { name: string; file: string; drainMethod: string };
  warnings: ConfigProblem[];
}

export type ValidateResult =
  | { ok: true; cluster: Cluster; pipeline: Pipeline; warnings: ConfigProblem[]; document: ValidateDocument }
  | { ok: false; problems: ConfigProblem[]; warnings: ConfigProblem[]; file: string; source: ConfigSource };

/** Loads and checks both files; `config` must be a path here (a loaded config is valid by construction). */
export async function validate(options: Omit<CommonOptions, 'config' | 'signal'> & { config?: string } = {}): Promise<ValidateResult> {
  const { cwd, env } = edgesOf(options);
  const { path, source } = resolveConfigPath(options.config, env);
  const result = await loadCluster(path, { cwd, ...(env.HOME ? { home: env.HOME } : {}) });
  if (!result.ok) return { ok: false, problems: result.problems, warnings: result.warnings, file: path, source };
  const { cluster, pipeline, warnings } = result;
  return {
    ok: true,
    cluster,
    pipeline,
    warnings,
    document: {
      schemaVersion: OUTPUT_SCHEMA_VERSION,
      command: 'validate',
      ok: true,
      file: cluster.file,
      source,
      cluster: { name: cluster.name, directors: cluster.directors.length, services: cluster.services.length, realServers: cluster.realServers.length },
      pipeline: { name: pipeline.name, file: pipeline.file, drainMethod: pipeline.drain.method },
      warnings,
    },
  };
}
