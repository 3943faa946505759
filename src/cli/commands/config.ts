// Loading the cluster file for a command: every problem at once, as one CONFIG_INVALID error.
import { loadCluster } from '../../config/load.ts';
import { configError, formatProblems } from '../../config/problems.ts';
import type { Cluster, Pipeline } from '../../config/types.ts';
import { writeLine, type CliIo } from '../io.ts';

export interface LoadedConfig {
  cluster: Cluster;
  pipeline: Pipeline;
}

/** Loads and validates; prints warnings to stderr; throws CONFIG_INVALID (exit 2) on problems. */
export async function loadConfigOrThrow(io: CliIo, file: string): Promise<LoadedConfig> {
  const result = await loadCluster(file, { cwd: io.cwd, ...(io.env.HOME ? { home: io.env.HOME } : {}) });
  if (result.warnings.length > 0) writeLine(io.stderr, `warning: ${formatProblems(result.warnings)}`);
  if (!result.ok) throw configError(result.problems);
  return { cluster: result.cluster, pipeline: result.pipeline };
}
