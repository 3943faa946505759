// A dry run's smoke checks: rendered like the real ones (so it refuses what a release would
// refuse), reported as the request a release would send, never sent.
import type { Emit } from '../events/types.ts';
import { prepareHttpCheck, type HttpChecker } from '../smoke/http.ts';

export function dryRunHttpCheck(emit: Emit): HttpChecker {
  return async (options) => {
    const prepared = prepareHttpCheck(options);
    if (!prepared.ok) return { ok: false, url: prepared.url, detail: prepared.detail, attempts: 0 };
    const { method, url } = prepared.value;
    emit({ type: 'command', host: options.server, command: `[dry run] ${method} ${url}`, mutates: false, dryRun: true });
    return { ok: true, url, status: 0, durationMs: 0, attempts: 0 };
  };
}
