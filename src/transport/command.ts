// The one place a RemoteCommand becomes the string a remote shell runs.
import { shellJoin } from '../shell/quote.ts';
import type { RemoteCommand } from './types.ts';

/** The argv actually run (sudo prefix included), or undefined for a script. */
export function effectiveArgv(command: RemoteCommand): string[] | undefined {
  if (!('argv' in command)) return undefined;
  if (command.argv.length === 0) throw new TypeError('RemoteCommand.argv must not be empty');
  return command.sudo ? ['sudo', '-n', ...command.argv] : [...command.argv];
}

/**
 * The command line for the remote login shell, also used as the display string:
 * argv → `shellJoin(argv)` (`sudo -n` first when asked), script → as is.
 * NOTE: a script never runs under sudo: `sudo -n sh -c …` would need a sudoers rule for `sh`,
 * which is root for any command. Root actions are argvs a sudoers line can name (README,
 * "Privileges on the directors and servers"); a script with `sudo: true` is a bug of its caller.
 */
export function buildCommandLine(command: RemoteCommand): string {
  const argv = effectiveArgv(command);
  if (argv) return shellJoin(argv);
  if (command.sudo) {
    throw new TypeError(
      'RemoteCommand: a script cannot run with sudo (it would be `sudo -n sh -c`, root for anything); send an argv, e.g. { argv: ["ipvsadm", "-L", "-n"], sudo: true }',
    );
  }
  return (command as { script: string }).script;
}
