// `release schema [cluster|pipeline]`: the JSON Schema an editor checks and completes the file with.
// Built from the zod schemas on the fly, so a checkout needs no build step.
import { closestMatch } from '../../config/did-you-mean.ts';
import { buildJsonSchema, SCHEMA_KINDS, type SchemaKind } from '../../config/json-schema.ts';
import { EXIT, ReleaseError } from '../../core/errors.ts';
import { writeLine, type CliIo } from '../io.ts';

export type { SchemaKind };

/** The command's argument: which file's schema; anything else is a usage error (exit 2) with a suggestion. */
export function parseSchemaKind(value: string): SchemaKind {
  const kind = SCHEMA_KINDS.find((k) => k === value);
  if (kind) return kind;
  const match = closestMatch(value, SCHEMA_KINDS);
  throw new ReleaseError('USAGE', `no schema "${value}": \`release schema\` prints ${SCHEMA_KINDS.join(' or ')}.`, {
    hint: match ? `did you mean \`release schema ${match}\`?` : `write \`release schema cluster\` or \`release schema pipeline\`.`,
    details: { schema: value },
  });
}

export async function schemaCommand(io: CliIo, kind: SchemaKind): Promise<number> {
  writeLine(io.stdout, JSON.stringify(buildJsonSchema(kind), null, 2));
  return EXIT.ok;
}
