// Text from remote hosts may carry escape sequences and newlines; a log line must carry neither.

// CSI and OSC sequences, then two-byte escapes; other control characters are removed separately.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Removes terminal escape sequences and control characters; keeps tabs and line breaks (`\r\n` → `\n`). */
export function stripControl(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(ANSI, '').replace(CONTROL, '');
}

/** A field from an event as a line may show it: no escape sequences, no trailing blank lines. */
export function cleanField(text: string): string {
  return stripControl(text).trimEnd();
}

/** One physical line: line breaks shown as ` | `, blank lines dropped. */
export function toOneLine(text: string): string {
  if (!/[\r\n]/.test(text)) return text;
  return text
    .split(/\r\n?|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' | ');
}

/** A copy of a JSON-like value with `fn` applied to every string in it (object keys untouched). */
export function mapStrings<T>(value: T, fn: (text: string) => string): T {
  return walk(value, fn) as T;
}

function walk(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, fn));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, fn);
    return out;
  }
  return value;
}
