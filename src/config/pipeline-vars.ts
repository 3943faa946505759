// The variables a pipeline may use, and the values the engine passes for one server.

import type { TemplateVars } from '../shell/template.ts';
import type { Cluster, Pipeline, RealServer } from './types.ts';

/** Every {{name}} a pipeline may use (DESIGN.md "Pipeline"). */
export const PIPELINE_VARS = [
  'release',
  'previous',
  'root',
  'artifact',
  'keep',
  'healthFile',
  'cluster',
  'server.host',
  'server.name',
  'server.address',
  'server.port',
] as const;
export type PipelineVar = (typeof PIPELINE_VARS)[number];

export interface PipelineVarInputs {
  cluster: Pick<Cluster, 'name'>;
  pipeline: Pick<Pipeline, 'keepReleases'>;
  server: Pick<RealServer, 'host' | 'name' | 'address' | 'port' | 'app'>;
  release: string;
  /** The release the server ran before; undefined on its first release ({{previous}} is then ''). */
  previous?: string;
  /** Local path of the artifact; undefined when the run uploads nothing. */
  artifact?: string;
}

/** The template variables for one server's steps; unset optional values stay undefined (an error if used). */
export function pipelineTemplateVars(inputs: PipelineVarInputs): TemplateVars {
  const { server } = inputs;
  return {
    release: inputs.release,
    // NOTE: '' (not undefined) on a first release, so cleanup steps still render; rollback steps
    // must check `test -n {{previous}}` (the shipped ones do), and the engine never rolls back without one.
    previous: inputs.previous ?? '',
    root: server.app.root,
    artifact: inputs.artifact,
    keep: inputs.pipeline.keepReleases,
    healthFile: server.app.healthFile,
    cluster: inputs.cluster.name,
    server: { host: server.host, name: server.name, address: server.address, port: server.port },
  };
}
