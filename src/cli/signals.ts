// Interruption: the first SIGINT or SIGTERM stops new work (in-flight servers finish or roll back
// and are restored, exit 130); the same signal again exits at once and says to run `release recover`.
// NOTE: a different signal after the first is a supervisor escalating, not a person insisting:
// GitHub Actions sends SIGINT on cancel, SIGTERM 7.5 s later, then kills the process tree 2.5 s
// after that. Exiting at the SIGTERM would only cut the put-back short, so it is noted and the
// servers in flight keep being put back until the work is done or the supervisor kills us.
import { writeLine, type CliIo } from './io.ts';

export interface Interruption {
  readonly stop: AbortSignal;
  dispose(): void;
}

type Handler = (signal: NodeJS.Signals) => void;

/** Where signals come from: the process, or an emitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, handler: Handler): unknown;
  off(signal: NodeJS.Signals, handler: Handler): unknown;
}

const WATCHED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** How a person sends `signal` again. */
function againHint(signal: NodeJS.Signals): string {
  return signal === 'SIGINT' ? 'Press Ctrl-C again to exit at once.' : `Send ${signal} again to exit at once.`;
}

export function watchInterrupts(io: CliIo, onHardExit: () => void, source: SignalSource = process): Interruption {
  const controller = new AbortController();
  const seen = new Set<NodeJS.Signals>();
  const handler: Handler = (signal) => {
    if (seen.size === 0) {
      seen.add(signal);
      writeLine(io.stderr, `\n${signal}: stopping: no new batch starts; servers in flight finish or roll back and are restored. ${againHint(signal)}`);
      controller.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    if (!seen.has(signal)) {
      seen.add(signal);
      writeLine(
        io.stderr,
        `\n${signal} after ${[...seen][0]}: still putting the servers in flight back into the pool (exiting now could leave them out). ${againHint(signal)}`,
      );
      return;
    }
    writeLine(io.stderr, `\n${signal} again: exiting now. Servers may be left out of the pool: run \`release recover\` to bring every server back.`);
    onHardExit();
  };
  for (const signal of WATCHED) source.on(signal, handler);
  return {
    stop: controller.signal,
    dispose() {
      for (const signal of WATCHED) source.off(signal, handler);
    },
  };
}
