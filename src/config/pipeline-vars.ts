// The variables a pipeline may use, and the values the engine passes for one server.

import type { TemplateVars } from '../shell/template.ts';
import type { Cluster, Pipeline, RealServer } from './types.ts';

/** Every {{name}} a pipeline may use (DESIGN.md "Pipeline"). */
export const PIPELINE_VARS = [
  'release',
  'previous',
  'root',
  'shared',
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

/** What a run-once step on the controller (`on: controller`) may use: nothing of one server's. */
export const CONTROLLER_VARS = ['release', 'artifact', 'keep', 'cluster'] as const satisfies readonly PipelineVar[];

/** `{{shared}}`: the directory kept across releases, beside releases/ and current. */
export function sharedDirOf(root: string): string {
  return `${root.replace(/\/+$/, '')}/shared`;
}

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
    shared: server.app.root === undefined ? undefined : sharedDirOf(server.app.root),
    artifact: inputs.artifact,
    keep: inputs.pipeline.keepReleases,
    healthFile: server.app.healthFile,
    cluster: inputs.cluster.name,
    server: { host: server.host, name: server.name, address: server.address, port: server.port },
  };
}

/** The variables of a run-once step on the controller (CONTROLLER_VARS). */
export function controllerTemplateVars(inputs: Pick<PipelineVarInputs, 'cluster' | 'pipeline' | 'release' | 'artifact'>): TemplateVars {
  return { release: inputs.release, artifact: inputs.artifact, keep: inputs.pipeline.keepReleases, cluster: inputs.cluster.name };
}
