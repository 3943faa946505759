// Load the cluster file and its pipeline: read, parse with positions, check shape and rules, report
// every problem of both files at once, then normalize. No network.

import { readFile } from 'node:fs/promises';
import type * as z from 'zod';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { CLUSTER_DEFAULTS, SHIPPED_PIPELINES } from './defaults.ts';
import { normalizeCluster } from './normalize-cluster.ts';
import { normalizePipeline } from './normalize-pipeline.ts';
import { locatePipeline } from './pipeline-path.ts';
import type { PipelineLocation } from './pipeline-path.ts';
import { sortProblems } from './problems.ts';
import type { ConfigProblem, Finding, Rule } from './problems.ts';
import { isRecord, stringAt } from './raw.ts';
import { clusterRules } from './rules-cluster.ts';
import { crossRules } from './rules-cross.ts';
import { pipelineRules } from './rules-pipeline.ts';
import { clusterFileSchema, pipelineFileSchema } from './schema.ts';
import type { PipelineFile } from './schema.ts';
import type { Cluster, Pipeline } from './types.ts';
import { parseYamlSource } from './yaml-source.ts';
import type { YamlSource } from './yaml-source.ts';
import { checkSchema } from './zod-findings.ts';

export interface ConfigFs {
  readFile(path: string): Promise<string>;
}

export interface LoadOptions {
  fs?: ConfigFs;
  /** For '~' in identityFile/knownHosts/journal.dir (default: os.homedir()). */
  home?: string;
  /** Base of a relative cluster path (default: process.cwd()). */
  cwd?: string;
  /** Where shipped pipelines live (default: this package). */
  packageRoot?: string;
}

export type LoadResult =
  | { ok: true; cluster: Cluster; pipeline: Pipeline; warnings: ConfigProblem[] }
  | { ok: false; problems: ConfigProblem[]; warnings: ConfigProblem[] };

const nodeFs: ConfigFs = { readFile: (path) => readFile(path, 'utf8') };

/** One file checked: its source, its schema result, its placed problems and warnings. */
interface Checked<T> {
  source: YamlSource;
  value: T | undefined;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

function place(source: YamlSource, findings: readonly Finding[], into: { problems: ConfigProblem[]; warnings: ConfigProblem[] }): void {
  for (const finding of findings) (finding.warning ? into.warnings : into.problems).push(source.problem(finding));
}

/** Top-level keys starting with "x-" are the user's own (e.g. YAML anchors for shared blocks), as in compose files. */
function withoutExtensionKeys(data: unknown): unknown {
  if (!isRecord(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => !key.startsWith('x-')));
}

function check<T>(source: YamlSource, schema: z.ZodType<T>, rules: readonly Rule[]): Checked<T> {
  const checked: Checked<T> = { source, value: undefined, problems: [...source.errors], warnings: [...source.warnings] };
  const result = checkSchema(schema, withoutExtensionKeys(source.data));
  if (result.ok) checked.value = result.value;
  else place(source, result.findings, checked);
  if (isRecord(source.data))
    place(
      source,
      rules.flatMap((rule) => rule(source.data)),
      checked,
    );
  return checked;
}

async function readText(fs: ConfigFs, file: string): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
  try {
    return { ok: true, text: await fs.readFile(file) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message };
  }
}

function pipelineNotFound(location: PipelineLocation, value: string, reason: string): Finding {
  const hint = location.shipped
    ? `use a shipped pipeline (${SHIPPED_PIPELINES.join(', ')}) or a path relative to the cluster file, e.g. pipelines/${value}.yaml`
    : 'give the pipeline file relative to the cluster file, or a shipped name (symlink, healthfile)';
  return { path: ['pipeline'], message: `cannot read pipeline "${value}" (${location.display}): ${reason}`, hint };
}

/** Load and validate the cluster file at `path` and the pipeline it names; every problem of both, or both normalized. */
export async function loadCluster(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const fs = options.fs ?? nodeFs;
  const home = options.home ?? homedir();
  const file = resolve(options.cwd ?? process.cwd(), path);
  const read = await readText(fs, file);
  if (!read.ok) {
    const problem = {
      file: path,
      path: '',
      message: `cannot read the cluster file: ${read.reason}`,
      hint: 'pass --config FILE, or run in the directory that holds release.yaml',
    };
    return { ok: false, problems: [problem], warnings: [] };
  }
  const cluster = check(parseYamlSource(path, read.text), clusterFileSchema, clusterRules);
  const problems = [...cluster.problems];
  const warnings = [...cluster.warnings];

  // Not a mapping at all: the schema said so, and there is no pipeline to follow.
  const data = isRecord(cluster.source.data) ? cluster.source.data : undefined;
  const value = data && (data['pipeline'] === undefined ? CLUSTER_DEFAULTS.pipeline : stringAt(data, 'pipeline'));
  let pipeline: Checked<PipelineFile> | undefined;
  let location: PipelineLocation | undefined;
  if (value !== undefined && !value.startsWith('-')) {
    location = locatePipeline(value, { clusterFile: file, clusterDisplay: path, ...(options.packageRoot ? { packageRoot: options.packageRoot } : {}) });
    const pipelineText = await readText(fs, location.file);
    if (pipelineText.ok) {
      pipeline = check(parseYamlSource(location.display, pipelineText.text), pipelineFileSchema, pipelineRules);
      problems.push(...pipeline.problems);
      warnings.push(...pipeline.warnings);
      for (const rule of crossRules) {
        const found = rule(cluster.source.data, pipeline.source.data);
        place(cluster.source, found.cluster, { problems, warnings });
        place(pipeline.source, found.pipeline, { problems, warnings });
      }
    } else {
      place(cluster.source, [pipelineNotFound(location, value, pipelineText.reason)], { problems, warnings });
    }
  }

  if (problems.length > 0 || !cluster.value || !pipeline?.value || !location) {
    return { ok: false, problems: sortProblems(problems), warnings: sortProblems(warnings) };
  }
  const pipelineSource = pipeline.source;
  return {
    ok: true,
    cluster: normalizeCluster(cluster.value, { file, dir: dirname(file), home, pipelineFile: location.file }),
    pipeline: normalizePipeline(pipeline.value, { file: location.file, displayFile: location.display, lineOf: (p) => pipelineSource.locate(p).line }),
    warnings: sortProblems(warnings),
  };
}
