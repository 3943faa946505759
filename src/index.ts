// The programmatic API (`import … from 'lvs-release'`): what the CLI itself is built on.
// For now the configuration side: load and validate a cluster file and its pipeline, the editor
// schemas, the error type. Release and plan functions come with issue 12 item 7.

export { loadCluster, type ConfigFs, type LoadOptions, type LoadResult } from './config/load.ts';
export { formatProblem, formatProblems, type ConfigProblem, type PathSegment } from './config/problems.ts';
export type * from './config/types.ts';
export { buildJsonSchema, schemaUrl, SCHEMA_KINDS, type SchemaKind } from './config/json-schema.ts';
export { EXIT, ERROR_CODES, ReleaseError, isReleaseError, type ErrorCode, type ExitStatus } from './core/errors.ts';
export { TRIGGERS, type Trigger } from './windows/types.ts';
export { VERSION } from './version.ts';
