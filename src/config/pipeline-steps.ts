// Where a pipeline's steps are, in the raw (not yet validated) data: the phases' steps and the
// run-once phases' steps, each with its path. The rules find what to check through these.
import type { PathSegment } from './problems.ts';
import { recordAt, recordsAt, stringAt } from './raw.ts';
import type { RawRecord } from './raw.ts';
import { ONCE_PHASES, PHASES } from './schema.ts';

/** Every step of every phase with its path. */
export function stepsOf(raw: unknown): Array<{ path: PathSegment[]; step: RawRecord }> {
  const phases = recordAt(raw, 'phases');
  return PHASES.flatMap((phase) => recordsAt(phases, phase).map(({ index, item }) => ({ path: ['phases', phase, index], step: item })));
}

/** Every step of `before` and `after`, with its path and whether it runs on the controller. */
export function onceStepsOf(raw: unknown): Array<{ path: PathSegment[]; step: RawRecord; controller: boolean }> {
  return ONCE_PHASES.flatMap((which) => {
    const once = recordAt(raw, which);
    const controller = stringAt(once, 'on') === 'controller';
    return recordsAt(once, 'steps').map(({ index, item }) => ({ path: [which, 'steps', index], step: item, controller }));
  });
}

/** Every step that can hold a `run`: the phases' and the run-once phases'. */
export function runStepsOf(raw: unknown): Array<{ path: PathSegment[]; step: RawRecord }> {
  return [...stepsOf(raw), ...onceStepsOf(raw)];
}
