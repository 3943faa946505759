// `release doctor`: the API's read-only `doctor()`, printed for a person or as one JSON document.
import { doctor } from '../../api/doctor.ts';
import { doctorExitCode, formatFindings } from '../../doctor/format.ts';
import { writeLine, type CliIo } from '../io.ts';

export async function doctorCommand(io: CliIo, options: { config?: string; json?: boolean }): Promise<number> {
  const doc = await doctor({ config: options.config, cwd: io.cwd, env: io.env, onLog: (line) => writeLine(io.stderr, line) });
  if (options.json) writeLine(io.stdout, JSON.stringify(doc));
  else io.stdout.write(formatFindings(doc.findings));
  return doctorExitCode(doc.findings);
}
