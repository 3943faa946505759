// Durations and sizes as people read them in a log line: `12 ms`, `41s`, `5m07s`, `12.3 MB`.

/** A short human duration; negative inputs count as zero. */
export function formatMs(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 10_000) return `${(Math.floor(value / 100) / 10).toFixed(1)}s`;
  const seconds = Math.round(value / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${pad(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h${pad(Math.floor((seconds % 3600) / 60))}m`;
}

/** Whole seconds, rounded: the unit of deadlines (`41s to deadline`). */
export function formatSeconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))}s`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `512 B`, `12.3 kB`, `40.0 MB`: decimal units, as transfer tools show them. */
export function formatBytes(bytes: number): string {
  const value = Math.max(0, bytes);
  if (value < 1000) return `${Math.round(value)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let scaled = value / 1000;
  let unit = 0;
  while (scaled >= 1000 && unit < units.length - 1) {
    scaled /= 1000;
    unit += 1;
  }
  return `${scaled.toFixed(1)} ${units[unit]}`;
}
