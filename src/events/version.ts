// The version of everything --json prints: the NDJSON event lines, the `error` event and the
// one-document outputs (validate, windows, status, doctor, history). Bump it on any change that
// is not an added field or an added event type; docs/OUTPUT.md says what each version holds.
export const OUTPUT_SCHEMA_VERSION = 1;
