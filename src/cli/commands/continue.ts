// `release promote | abort | resume`: the API's continuations (api/continue.ts) with the reporter,
// Ctrl-C and the report file around them.
import { abort, promote, resume } from '../../api/continue.ts';
import { runApiCall } from '../harness.ts';
import type { CliIo } from '../io.ts';
import { checkReleaseOptions } from './release.ts';

export interface ContinueOptions {
  /** The cluster file (default: $RELEASE_CONFIG, else ./release.yaml). */
  config?: string;
  /** promote/resume: the release artifact, when this machine is not the one that started the release. */
  artifact?: string;
  breakLock?: boolean;
  forceWindow?: boolean;
  reason?: string;
  json?: boolean;
  report?: string;
}

function continueWith(call: typeof promote) {
  return (io: CliIo, options: ContinueOptions): Promise<number> => {
    checkReleaseOptions({ config: options.config, batch: '1', forceWindow: options.forceWindow, reason: options.reason });
    const forceWindowReason = options.forceWindow ? options.reason : undefined;
    return runApiCall(io, options, (hooks) => call({ ...hooks, artifact: options.artifact, forceWindowReason }));
  };
}

export const promoteCommand = continueWith(promote);
export const resumeCommand = continueWith(resume);

/** Rolls the paused canary (every server this release finished) back to what it ran before. */
export function abortCommand(io: CliIo, options: ContinueOptions): Promise<number> {
  return runApiCall(io, options, (hooks) => abort(hooks));
}
