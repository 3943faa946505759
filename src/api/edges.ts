// The process edges an API call runs with: given, or the process's own. This is the one place
// the API reads the process, as the CLI entry does for the CLI.
import { type Clock, systemClock } from '../core/clock.ts';
import { createRedactor, secretsOf, type Redact } from '../ui/redact.ts';
import type { CommonOptions, RunOptions } from './options.ts';

export interface Edges {
  cwd: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Masks the secrets of `env` (and key blocks, URL passwords) in everything the API hands out. */
  redact: Redact;
  log: (line: string) => void;
}

export function edgesOf(options: CommonOptions & Pick<RunOptions, 'clock'>): Edges {
  // biome-ignore lint/style/noProcessEnv: the API is an entry point; its caller may pass `env` instead.
  const env = options.env ?? process.env;
  return {
    cwd: options.cwd ?? process.cwd(),
    env,
    clock: options.clock ?? systemClock,
    redact: createRedactor(secretsOf(env)),
    log: options.onLog ?? (() => undefined),
  };
}
