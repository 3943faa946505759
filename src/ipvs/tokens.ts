// Command output as lines and whitespace-separated fields, the way ipvsadm's own sscanf reads it.

/** Lines of command output without the final newline's empty tail (and without CRs). */
export function outputLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Whitespace-separated fields, as sscanf/awk would see them. */
export function fields(line: string): string[] {
  return line.trim() === '' ? [] : line.trim().split(/\s+/);
}

/** A strictly decimal non-negative integer within `max`, else undefined. */
export function parseUint(text: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}
