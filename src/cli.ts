// The CLI entry: the only place that maps errors to exit codes and touches `process`.
import { EXIT, exitStatusOf, formatError } from './core/errors.ts';
import { buildProgram } from './cli/program.ts';
import { processIo, writeLine, type CliIo } from './cli/io.ts';

/** Runs the CLI and resolves to the exit status; never calls process.exit. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let status: number = EXIT.ok;
  const program = buildProgram(io, async (_invocation, runCommand) => {
    status = await runCommand();
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // commander has already printed its message (help, version, or a usage error).
      const exitCode = (error as { exitCode?: number }).exitCode ?? EXIT.usage;
      return exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    writeLine(io.stderr, formatError(error));
    return exitStatusOf(error);
  }
  return status;
}

export async function main(argv: string[]): Promise<void> {
  // A closed pipe (`release status | head`) is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  process.exitCode = await run(argv, processIo());
}
