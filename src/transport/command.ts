// The one place a RemoteCommand becomes the string a remote shell runs.
import { shellJoin, shellQuote } from '../shell/quote.ts';
import type { RemoteCommand } from './types.ts';

/** The argv actually run (sudo prefix included), or undefined for a script. */
export function effectiveArgv(command: RemoteCommand): string[] | undefined {
  if (!('argv' in command)) return undefined;
  if (command.argv.length === 0) throw new TypeError('RemoteCommand.argv must not be empty');
  return command.sudo ? ['sudo', '-n', ...command.argv] : [...command.argv];
}

/**
 * The command line for the remote login shell, also used as the display string:
 * argv → `shellJoin(argv)`, script → as is; sudo → `sudo -n …` / `sudo -n sh -c '<script>'`.
 */
export function buildCommandLine(command: RemoteCommand): string {
  const argv = effectiveArgv(command);
  if (argv) return shellJoin(argv);
  const script = (command as { script: string }).script;
  return command.sudo ? `sudo -n sh -c ${shellQuote(script)}` : script;
}
