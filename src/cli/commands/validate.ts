// `release validate`: check the cluster file and its pipeline without touching the network.
import { validate } from '../../api/validate.ts';
import { configError, formatProblems } from '../../config/problems.ts';
import { EXIT } from '../../core/errors.ts';
import { writeLine, type CliIo } from '../io.ts';

export async function validateCommand(io: CliIo, options: { config?: string; json?: boolean }): Promise<number> {
  const result = await validate({ config: options.config, cwd: io.cwd, env: io.env });
  if (result.warnings.length > 0) writeLine(io.stderr, `warning: ${formatProblems(result.warnings)}`);
  if (!result.ok) throw configError(result.problems);
  const { cluster, pipeline, document } = result;
  if (options.json) {
    writeLine(io.stdout, JSON.stringify(document));
    return EXIT.ok;
  }
  writeLine(
    io.stdout,
    `ok: ${cluster.file}: cluster "${cluster.name}", ${cluster.directors.length} director(s), ${cluster.services.length} service(s), ${cluster.realServers.length} real server(s); pipeline "${pipeline.name}" (${pipeline.file}), drain method ${pipeline.drain.method}`,
  );
  return EXIT.ok;
}
