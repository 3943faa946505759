// The release's `--json` output back into events.
import type { ReleaseEvent } from '../src/events/types.ts';

/** NDJSON lines to events; lines that are not JSON objects with a `type` are skipped. */
export function parseEvents(ndjson: string): ReleaseEvent[] {
  const events: ReleaseEvent[] = [];
  for (const line of ndjson.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as Partial<ReleaseEvent>;
      if (typeof value.type === 'string') events.push(value as ReleaseEvent);
    } catch {
      // not an event line
    }
  }
  return events;
}
