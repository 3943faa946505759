// Secrets never reach an output: every edge (plain log, --json, the report, errors) runs text through one redactor.

import { mapStrings } from './sanitize.ts';

export type Redact = (text: string) => string;

export const MASK = '***';

// A private key block; an unterminated one (truncated output) is masked to the end of the text.
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;
// `scheme://user:password@host`: the password goes, the user stays (it names who, not how).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s/?#@]*@/gi;
// `password=…`, `token=…`, `api_key: …`-style pairs, in query strings, env dumps and configs.
const SECRET_PAIR =
  /\b([\w.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)[\w.-]*)(\s*[=:]\s*)(?!\*\*\*)("[^"]*"|'[^']*'|[^\s&#;,'"]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Builds the one redactor: masks each secret (and its URL-encoded form), key blocks, URL passwords and secret pairs. */
export function createRedactor(secrets: readonly string[]): Redact {
  const literals = new Set<string>();
  for (const secret of secrets) {
    if (secret.trim() === '') continue;
    literals.add(secret);
    literals.add(encodeURIComponent(secret));
  }
  // Longest first, so a secret containing another is masked whole.
  const ordered = [...literals].sort((a, b) => b.length - a.length);
  const literal = ordered.length === 0 ? null : new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
  return (text) => {
    let out = literal === null ? text : text.replace(literal, MASK);
    out = out.replace(PRIVATE_KEY, MASK);
    out = out.replace(URL_USERINFO, `$1:${MASK}@`);
    out = out.replace(SECRET_PAIR, `$1$2${MASK}`);
    out = out.replace(BEARER, `$1 ${MASK}`);
    return out;
  };
}

/** A copy of a JSON-like value (an event, a report) with every string redacted. */
export function redactDeep<T>(value: T, redact: Redact): T {
  return mapStrings(value, redact);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Values of variables whose names say they are secret (tokens, passwords, passphrases): what the redactor masks. */
export function secretsOf(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => /TOKEN|PASSWORD|PASSWD|PASSPHRASE|SECRET|API_?KEY/i.test(name) && value !== undefined && value.length >= 4)
    .map(([, value]) => value as string);
}
