// How a release was started: --trigger, else ci when CI is set, else manual.
import type { Trigger } from '../../windows/types.ts';

export function resolveTrigger(explicit: string | undefined, env: NodeJS.ProcessEnv): Trigger {
  if (explicit === 'ci' || explicit === 'manual' || explicit === 'schedule') return explicit;
  return env.CI && env.CI !== 'false' && env.CI !== '0' ? 'ci' : 'manual';
}
