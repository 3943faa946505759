// Which cluster file, and loading it: `config` given, else RELEASE_CONFIG, else ./release.yaml.
import { loadCluster } from '../config/load.ts';
import { configError, formatProblems } from '../config/problems.ts';
import type { CommonOptions, LoadedConfig } from './options.ts';

export type ConfigSource = 'option' | 'RELEASE_CONFIG' | 'default';

export const DEFAULT_CONFIG = 'release.yaml';

/** The cluster file's path as given, and where it came from (precedence: option, RELEASE_CONFIG, ./release.yaml). */
export function resolveConfigPath(given: string | undefined, env: NodeJS.ProcessEnv): { path: string; source: ConfigSource } {
  if (given !== undefined && given !== '') return { path: given, source: 'option' };
  const fromEnv = env.RELEASE_CONFIG?.trim();
  if (fromEnv) return { path: fromEnv, source: 'RELEASE_CONFIG' };
  return { path: DEFAULT_CONFIG, source: 'default' };
}

/** The loaded config with the file it came from (absolute), or CONFIG_INVALID (exit 2) listing every problem. */
export async function loadConfig(options: CommonOptions & { cwd: string; env: NodeJS.ProcessEnv }): Promise<LoadedConfig & { file: string }> {
  if (typeof options.config === 'object') return { ...options.config, file: options.config.cluster.file };
  const { path } = resolveConfigPath(options.config, options.env);
  const result = await loadCluster(path, { cwd: options.cwd, ...(options.env.HOME ? { home: options.env.HOME } : {}) });
  if (result.warnings.length > 0) options.onLog?.(`warning: ${formatProblems(result.warnings)}`);
  if (!result.ok) throw configError(result.problems);
  return { cluster: result.cluster, pipeline: result.pipeline, file: result.cluster.file };
}
