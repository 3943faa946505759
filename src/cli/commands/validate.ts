// `release validate`: check the cluster file and its pipeline without touching the network.
import { EXIT } from '../../core/errors.ts';
import { writeLine, type CliIo } from '../io.ts';
import { loadConfigOrThrow } from './config.ts';

export async function validateCommand(io: CliIo, options: { config: string }): Promise<number> {
  const { cluster, pipeline } = await loadConfigOrThrow(io, options.config);
  writeLine(
    io.stdout,
    `ok: ${cluster.file}: cluster "${cluster.name}", ${cluster.directors.length} director(s), ${cluster.services.length} service(s), ${cluster.realServers.length} real server(s); pipeline "${pipeline.name}" (${pipeline.file}), drain method ${pipeline.drain.method}`,
  );
  return EXIT.ok;
}
