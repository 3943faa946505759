// What every API function takes: where the cluster file is (or the loaded config), the process
// edges (cwd, env, clock) and the output hooks. The API never writes to stdout, never reads
// process state beyond the defaults here, and never exits: it returns values.
import type { Cluster, Pipeline } from '../config/types.ts';
import type { Clock } from '../core/clock.ts';
import type { ReleaseEvent } from '../events/types.ts';

/** A cluster file and its pipeline, loaded and validated (`loadCluster` from this package). */
export interface LoadedConfig {
  cluster: Cluster;
  pipeline: Pipeline;
}

export interface CommonOptions {
  /**
   * The cluster file (a path, relative to `cwd`), or a config already loaded. Default: the file
   * named by `env.RELEASE_CONFIG`, else `./release.yaml`.
   */
  config?: string | LoadedConfig;
  /** Base of relative paths (default: process.cwd()). */
  cwd?: string;
  /** Environment: RELEASE_CONFIG, CI, SSH_AUTH_SOCK, passphrase variables (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Cancels the work: a run stops new work, finishes or rolls back what is in flight, restores it. */
  signal?: AbortSignal;
  /** Lines meant for a person (config warnings, waits for a window); default: dropped. */
  onLog?: (line: string) => void;
}

export interface RunOptions extends CommonOptions {
  /** Every event of the run, redacted, in order (the same as `--json` prints, without `schemaVersion`). */
  onEvent?: (event: ReleaseEvent) => void;
  /** Break a stale cluster lock (its holder is gone); recorded. */
  breakLock?: boolean;
  /** The clock of the run (default: the system's). */
  clock?: Clock;
}
