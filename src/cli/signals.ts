// Interruption: the first SIGINT/SIGTERM stops new work (in-flight servers finish or roll back
// and are restored); a second one exits at once and says to run `release recover`.
import { writeLine, type CliIo } from './io.ts';

export interface Interruption {
  readonly stop: AbortSignal;
  dispose(): void;
}

export function watchInterrupts(io: CliIo, onHardExit: () => void): Interruption {
  const controller = new AbortController();
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      writeLine(io.stderr, `\n${signal}: stopping: no new batch starts; servers in flight finish or roll back and are restored. Press Ctrl-C again to exit at once.`);
      controller.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    writeLine(io.stderr, `\n${signal} again: exiting now. Servers may be left out of the pool: run \`release recover\` to bring every server back.`);
    onHardExit();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stop: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
