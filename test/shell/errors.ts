import { isReleaseError } from '../../src/core/errors.ts';
import type { ReleaseError } from '../../src/core/errors.ts';

/** The ReleaseError fn throws; fails the test when it throws nothing or something else. */
export function thrown(fn: () => unknown): ReleaseError {
  try {
    fn();
  } catch (error) {
    if (isReleaseError(error)) return error;
    throw error;
  }
  throw new Error('expected a ReleaseError, nothing was thrown');
}
