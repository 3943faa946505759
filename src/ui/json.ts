// `--json`: one redacted event per line on stdout, and nothing else there.

import type { ReleaseEvent } from '../events/types.ts';
import { OUTPUT_SCHEMA_VERSION } from '../events/version.ts';
import { redactDeep, type Redact } from './redact.ts';
import type { EventSink, OutputStream } from './sink.ts';

export interface JsonSinkOptions {
  stream: OutputStream;
  redact: Redact;
}

/** The NDJSON line of an event (without the newline), stamped with the output's schema version (docs/OUTPUT.md). */
export function formatJsonLine(event: ReleaseEvent, redact: Redact): string {
  return JSON.stringify({ schemaVersion: OUTPUT_SCHEMA_VERSION, ...redactDeep(event, redact) });
}

export function createJsonSink(options: JsonSinkOptions): EventSink {
  return {
    emit: (event) => {
      options.stream.write(`${formatJsonLine(event, options.redact)}\n`);
    },
    close: async () => {},
  };
}
