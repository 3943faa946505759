// Defensive reads of not-yet-validated YAML data, so the rules can run even when the schema failed
// and every problem is reported at once.

export type RawRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is RawRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The mapping entries of the list at `key`, with their indexes; non-mappings are skipped. */
export function recordsAt(parent: unknown, key: string): Array<{ index: number; item: RawRecord }> {
  const list = isRecord(parent) ? parent[key] : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item, index) => (isRecord(item) ? [{ index, item }] : []));
}

/** The mapping at `key`, or undefined. */
export function recordAt(parent: unknown, key: string): RawRecord | undefined {
  const value = isRecord(parent) ? parent[key] : undefined;
  return isRecord(value) ? value : undefined;
}

/** The string at `key`, or undefined when absent or not a string. */
export function stringAt(parent: unknown, key: string): string | undefined {
  const value = isRecord(parent) ? parent[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The number at `key`, or undefined when absent or not a number. */
export function numberAt(parent: unknown, key: string): number | undefined {
  const value = isRecord(parent) ? parent[key] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** Every string in the data with its path (keys included, reported at the key's own path). */
export function* walkStrings(value: unknown, path: Array<string | number> = []): Generator<{ path: Array<string | number>; value: string }> {
  if (typeof value === 'string') {
    yield { path, value };
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* walkStrings(item, [...path, index]);
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      yield { path: [...path, key], value: key };
      yield* walkStrings(item, [...path, key]);
    }
  }
}
