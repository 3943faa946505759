// Loading the cluster file for a command: -c, else RELEASE_CONFIG, else ./release.yaml; every
// problem at once, as one CONFIG_INVALID error (exit 2); warnings on stderr.
import { loadConfig, resolveConfigPath, type ConfigSource } from '../../api/config.ts';
import type { LoadedConfig } from '../../api/options.ts';
import { writeLine, type CliIo } from '../io.ts';

export type { LoadedConfig } from '../../api/options.ts';

/** Loads and validates; prints warnings to stderr; throws CONFIG_INVALID (exit 2) on problems. */
export async function loadConfigOrThrow(io: CliIo, file: string | undefined): Promise<LoadedConfig> {
  const { cluster, pipeline } = await loadConfig({ config: file, cwd: io.cwd, env: io.env, onLog: (line) => writeLine(io.stderr, line) });
  return { cluster, pipeline };
}

const FROM: Record<ConfigSource, string> = { option: '-c', RELEASE_CONFIG: 'RELEASE_CONFIG', default: 'the default' };

/** The first line of a command's human output: which cluster file it reads, and why that one. */
export function configLine(file: string | undefined, env: NodeJS.ProcessEnv): string {
  const { path, source } = resolveConfigPath(file, env);
  return `cluster file: ${path} (${FROM[source]})`;
}
