// `--report FILE`: checked before anything runs (a path that cannot be written is a usage error,
// exit 2), written at the end (a failure then is a warning: the exit status stays the run's).
import { closeSync, lstatSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { ReleaseError } from '../core/errors.ts';

/** `ENOENT: no such file or directory` from a Node fs error, without the path it repeats. */
function osError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e.message ?? String(error)).replace(/, \w+ '.*'$/, '') || (e.code ?? 'write failed');
}

/** Opens the path for appending, as the end of the run will, and removes it again if this made it. */
export function checkReportPath(path: string): void {
  try {
    const existed = lstatSync(path, { throwIfNoEntry: false }) !== undefined;
    closeSync(openSync(path, 'a'));
    if (!existed) rmSync(path, { force: true });
  } catch (error) {
    throw new ReleaseError('USAGE', `--report ${path} cannot be written: ${osError(error)}.`, {
      hint: 'Create its directory first, or give --report a path this user can write. Nothing was changed.',
      details: { file: path, error: (error as NodeJS.ErrnoException).code },
    });
  }
}

/** Writes the report; a failure is returned as the warning to print, never thrown. */
export function writeReportFile(path: string, report: unknown, exitCode: number): string | undefined {
  try {
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
    return undefined;
  } catch (error) {
    return `warning: --report ${path} was not written: ${osError(error)}. The exit status is the run's (${exitCode}).`;
  }
}
