// JSON Schemas of the cluster file and the pipeline, for editors (`# yaml-language-server: $schema=…`).
// Generated from the zod schemas, in the form a person writes (zod's input side): durations as
// text or seconds, `app: restart`, `ramp: [10%, 100%]`, and the user's own top-level `x-` keys.
// Draft-07, the newest draft the YAML language server (VS Code's YAML extension) fully supports.

import * as z from 'zod';
import { VERSION } from '../version.ts';
import { DURATION_HINT } from './duration.ts';
import { SCHEMA_DESCRIPTIONS } from './json-schema-descriptions.ts';
import { APP_ACTIONS, clusterFileSchema, durationSchema, pipelineFileSchema } from './schema.ts';

export const SCHEMA_KINDS = ['cluster', 'pipeline'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

type JsonSchema = Record<string, unknown>;

const ZOD_SCHEMAS = { cluster: clusterFileSchema, pipeline: pipelineFileSchema } as const;
const TITLES = { cluster: 'lvs-release cluster file (release.yaml)', pipeline: 'lvs-release pipeline' } as const;

/** Where the schema sits inside the published package (`npm run build` writes it there). */
export function schemaPath(kind: SchemaKind): string {
  return `dist/schema/${kind}.schema.json`;
}

/** The URL the examples name: the schema of the newest release of this major version, on a CDN mirror of npm. */
export function schemaUrl(kind: SchemaKind, version: string = VERSION): string {
  return `https://cdn.jsdelivr.net/npm/lvs-release@${version.split('.')[0]}/${schemaPath(kind)}`;
}

// What tryParseDuration reads: seconds, or units largest first, each once ('1h30m', '500ms', '1.5s').
const NUMBER = String.raw`\d+(?:\.\d+)?`;
export const DURATION_PATTERN = String.raw`^\s*(?=\d)(?:${NUMBER}|(?:${NUMBER}d)?(?:${NUMBER}h)?(?:${NUMBER}m)?(?:${NUMBER}s)?(?:${NUMBER}ms)?)\s*$`;

const DURATION: JsonSchema = {
  anyOf: [
    // patternErrorMessage: what VS Code and the YAML language server say instead of the regex.
    { type: 'string', pattern: DURATION_PATTERN, patternErrorMessage: `${DURATION_HINT}.` },
    { type: 'number', minimum: 0 },
  ],
};

// The zod steps whose input form zod cannot see (a z.preprocess turns a short form into the long one).
const rampSchema = pipelineFileSchema.shape.drain.unwrap().shape.ramp.unwrap();
const appStepSchema = pipelineFileSchema.shape.phases.shape.deploy.unwrap().element.shape.app.unwrap();

/** The short forms each preprocess accepts, besides the long form zod describes. */
function shortForm(schema: z.core.$ZodType, long: JsonSchema): JsonSchema | undefined {
  if (schema === rampSchema) return { type: 'array', minItems: 1, items: (long['properties'] as Record<string, JsonSchema>)['steps']?.['items'] ?? {} };
  if (schema === appStepSchema) return { type: 'string', enum: [...APP_ACTIONS] };
  return undefined;
}

function replace(target: JsonSchema, value: JsonSchema): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, value);
}

function describeInputs(ctx: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }): void {
  const def = ctx.zodSchema._zod.def;
  if (ctx.zodSchema === durationSchema) {
    replace(ctx.jsonSchema, DURATION);
    return;
  }
  if (def.type !== 'pipe' || (def as z.core.$ZodPipeDef).in._zod.def.type !== 'transform') return;
  const short = shortForm(ctx.zodSchema, ctx.jsonSchema);
  // NOTE: a new z.preprocess in schema.ts must say here what it accepts, or editors would flag valid files.
  if (!short) throw new Error('a z.preprocess in src/config/schema.ts has no input form in json-schema.ts');
  replace(ctx.jsonSchema, { anyOf: [short, { ...ctx.jsonSchema }] });
}

/** Puts each description on the property at its path ('directors[].host'); returns the paths it found. */
function addDescriptions(schema: JsonSchema, descriptions: Readonly<Record<string, string>>, path = '', found = new Set<string>()): Set<string> {
  const text = descriptions[path];
  if (text !== undefined) {
    schema['description'] = text;
    found.add(path);
  }
  describeChildren(schema, descriptions, path, found);
  return found;
}

function describeChildren(schema: JsonSchema, descriptions: Readonly<Record<string, string>>, path: string, found: Set<string>): void {
  for (const [key, child] of Object.entries((schema['properties'] ?? {}) as Record<string, JsonSchema>))
    addDescriptions(child, descriptions, path ? `${path}.${key}` : key, found);
  if (schema['items'] && typeof schema['items'] === 'object') addDescriptions(schema['items'] as JsonSchema, descriptions, `${path}[]`, found);
  for (const member of (schema['anyOf'] ?? []) as JsonSchema[]) describeChildren(member, descriptions, path, found);
}

/** The JSON Schema (draft-07) of a cluster file or a pipeline file, as the loader accepts it. */
export function buildJsonSchema(kind: SchemaKind): JsonSchema {
  const generated = z.toJSONSchema(ZOD_SCHEMAS[kind], { io: 'input', target: 'draft-07', override: describeInputs }) as JsonSchema;
  const { $schema, ...body } = generated;
  const schema: JsonSchema = {
    $schema,
    title: TITLES[kind],
    ...body,
    // The loader ignores top-level keys starting with "x-" (the user's own, e.g. YAML anchors).
    patternProperties: { '^x-': {} },
  };
  const descriptions = SCHEMA_DESCRIPTIONS[kind];
  const found = addDescriptions(schema, descriptions);
  const stale = Object.keys(descriptions).filter((path) => !found.has(path));
  if (stale.length > 0) throw new Error(`json-schema-descriptions.ts names paths the ${kind} schema does not have: ${stale.join(', ')}`);
  return schema;
}
