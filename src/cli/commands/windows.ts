// `release windows`: may a release start at an instant? Prints why not and the next allowed start.
import { windows } from '../../api/windows.ts';
import { EXIT, ReleaseError } from '../../core/errors.ts';
import { evaluateWindows } from '../../windows/evaluate.ts';
import { formatDecision } from '../../windows/format.ts';
import { writeLine, type CliIo } from '../io.ts';
import { loadConfigOrThrow } from './config.ts';
import { resolveTrigger } from './trigger.ts';

/** Parses --at; it must carry an offset or Z, so the instant is unambiguous. */
export function parseInstant(text: string): Date {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim());
  const date = new Date(text);
  if (!hasZone || Number.isNaN(date.getTime())) {
    throw new ReleaseError('USAGE', `--at "${text}" is not an ISO-8601 instant with an offset.`, {
      hint: 'Write it like 2026-11-25T10:00:00+08:00 or 2026-11-25T02:00:00Z.',
    });
  }
  return date;
}

export async function windowsCommand(io: CliIo, options: { config?: string; at?: string; trigger?: string; json?: boolean }): Promise<number> {
  const at = options.at ? parseInstant(options.at) : new Date();
  const trigger = resolveTrigger(options.trigger, io.env);
  if (options.json) {
    const document = await windows({ config: options.config, cwd: io.cwd, env: io.env, at, trigger, onLog: (line) => writeLine(io.stderr, line) });
    writeLine(io.stdout, JSON.stringify(document));
    return document.allowed ? EXIT.ok : EXIT.refused;
  }
  const { cluster } = await loadConfigOrThrow(io, options.config);
  if (!cluster.peakWindows) {
    writeLine(io.stdout, `allowed: ${cluster.name} has no peak windows or freezes (trigger ${trigger})`);
    return EXIT.ok;
  }
  const decision = evaluateWindows(cluster.peakWindows, { at, trigger });
  for (const line of formatDecision(decision, cluster.peakWindows)) writeLine(io.stdout, line);
  return decision.allowed ? EXIT.ok : EXIT.refused;
}
