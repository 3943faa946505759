// The CLI entry: the only place that maps errors to exit codes and touches `process`.
import { EXIT, exitStatusOf, formatError } from './core/errors.ts';
import { buildErrorEvent } from './events/error-event.ts';
import { buildProgram } from './cli/program.ts';
import { processIo, writeLine, type CliIo } from './cli/io.ts';
import { createRedactor, redactDeep, secretsOf } from './ui/redact.ts';

/** With --json, an error is also the last line on stdout: the `error` event (docs/OUTPUT.md). */
function writeErrorEvent(io: CliIo, error: unknown, exitCode: number): void {
  const event = redactDeep(buildErrorEvent(error, exitCode, new Date()), createRedactor(secretsOf(io.env)));
  writeLine(io.stdout, JSON.stringify(event));
}

/** Runs the CLI and resolves to the exit status; never calls process.exit. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let status: number = EXIT.ok;
  // Known once the command line is parsed; before that (a usage error), the word itself says it.
  let json = argv.includes('--json');
  const program = buildProgram(io, async (invocation, runCommand) => {
    json = invocation.options.json === true;
    status = await runCommand();
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // commander has already printed its message (help, version, or a usage error).
      const exitCode = (error as { exitCode?: number }).exitCode ?? EXIT.usage;
      if (exitCode === 0) return EXIT.ok;
      if (json) writeErrorEvent(io, error, EXIT.usage);
      return EXIT.usage;
    }
    const exitCode = exitStatusOf(error);
    writeLine(io.stderr, formatError(error));
    if (json) writeErrorEvent(io, error, exitCode);
    return exitCode;
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
