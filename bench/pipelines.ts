// Pipeline variants for the benchmarks, derived from the shipped `symlink` pipeline.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

const SHIPPED_SYMLINK = new URL('../pipelines/symlink.yaml', import.meta.url);

type Steps = Record<string, unknown>[];

/** The shipped symlink pipeline with the waits cut to the minimum the config accepts. */
export async function fastPipeline(): Promise<Record<string, unknown>> {
  const pipeline = parse(await readFile(SHIPPED_SYMLINK, 'utf8')) as Record<string, unknown>;
  pipeline.drain = { ...(pipeline.drain as object), threshold: 0, settle: '0s', poll: '100ms', timeout: '30s' };
  const phases = pipeline.phases as Record<string, Steps>;
  // The smoke check's retry interval is a pipeline wait too: keep it short.
  phases.verify = (phases.verify ?? []).map((step) => (step.http ? { ...step, http: { ...(step.http as object), interval: '100ms', retries: 50 } } : step));
  return pipeline;
}

/** The same pipeline without prepare-ahead: upload and unpack move into `deploy` (drained). */
export function uploadInDeploy(pipeline: Record<string, unknown>): Record<string, unknown> {
  const phases = pipeline.phases as Record<string, Steps>;
  const prepare = phases.prepare ?? [];
  const isMkdir = (s: Record<string, unknown>) => typeof s.run === 'string' && /^mkdir -p/.test(s.run);
  return {
    ...pipeline,
    name: `${String(pipeline.name)}-no-prepare-ahead`,
    phases: { ...phases, prepare: prepare.filter(isMkdir), deploy: [...prepare.filter((s) => !isMkdir(s)), ...(phases.deploy ?? [])] },
  };
}
