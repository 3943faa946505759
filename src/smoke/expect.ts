// Whether a response is what the smoke check expects, and if not, the one sentence that says why.

export interface HttpExpect {
  /** Any of these statuses passes. */
  status: number | readonly number[];
  /** The body must contain this text. */
  body?: string;
  /** The body must match this regular expression (source text, no flags). */
  bodyPattern?: string;
  /** Each header (name case-insensitive) must be present and contain this text. */
  header?: Record<string, string>;
}

export interface ObservedResponse {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}

const EXCERPT = 120;

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  const cut = flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat;
  return `got ${Buffer.byteLength(body)} bytes: ${JSON.stringify(cut)}`;
}

function headerValue(headers: ObservedResponse['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return undefined;
}

/** null when the response passes; else the first mismatch: status, then headers, then body. */
export function describeMismatch(expect: HttpExpect, response: ObservedResponse, pattern?: RegExp): string | null {
  const statuses = typeof expect.status === 'number' ? [expect.status] : expect.status;
  if (!statuses.includes(response.status)) {
    const location = headerValue(response.headers, 'location');
    const redirect = response.status >= 300 && response.status < 400 && location ? ` (redirect to ${location}, not followed)` : '';
    return `expected status ${statuses.join(' or ')}, got ${response.status}${redirect}`;
  }
  for (const [name, expected] of Object.entries(expect.header ?? {})) {
    const actual = headerValue(response.headers, name);
    if (actual === undefined) return `header ${name} missing (expected it to contain ${JSON.stringify(expected)})`;
    if (!actual.includes(expected)) return `header ${name} is ${JSON.stringify(actual)}, expected it to contain ${JSON.stringify(expected)}`;
  }
  if (expect.body !== undefined && !response.body.includes(expect.body)) {
    return `body does not contain ${JSON.stringify(expect.body)} (${excerpt(response.body)})`;
  }
  if (pattern !== undefined && !pattern.test(response.body)) {
    return `body does not match /${pattern.source}/ (${excerpt(response.body)})`;
  }
  return null;
}
