// An HTTP smoke check against one server's own address: got makes one attempt, p-retry is the one
// retry layer, and every wait shows up as a `retry` event. A failed check is a value, never a throw.

import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import got, { RequestError } from 'got';
import pRetry from 'p-retry';
import type { Emit } from '../events/types.ts';
import { describeMismatch, type HttpExpect } from './expect.ts';
import { fillVars } from './vars.ts';

export type { HttpExpect } from './expect.ts';

export interface HttpCheck {
  /** Starts with `/`; `{{vars}}` are URL-encoded into it. */
  path: string;
  /** Default GET. */
  method?: string;
  expect: HttpExpect;
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** Wait between attempts. */
  intervalMs: number;
}

export interface HttpCheckOptions {
  check: HttpCheck;
  /** The server's own address, e.g. `http://192.168.1.179:80`. */
  baseUrl: string;
  /** Sent as `Host:` (the site's name), since the request goes to the server's address. */
  hostHeader?: string;
  emit: Emit;
  /** Server name, for the events. */
  server: string;
  signal?: AbortSignal;
  vars?: Readonly<Record<string, string>>;
  /** Default false: a redirect is a response like any other. */
  followRedirects?: boolean;
}

export type HttpCheckResult =
  | { ok: true; url: string; status: number; durationMs: number; attempts: number }
  | { ok: false; url: string; status?: number; detail: string; attempts: number };

type Attempt = { ok: true; status: number; durationMs: number } | { ok: false; status?: number; detail: string };

/** A failed attempt, thrown only inside p-retry so it retries. */
class AttemptFailed extends Error {
  readonly status: number | undefined;
  constructor(detail: string, status: number | undefined) {
    super(detail);
    this.name = 'AttemptFailed';
    this.status = status;
  }
}

interface Prepared {
  url: string;
  method: string;
  expect: HttpExpect;
  pattern?: RegExp;
}

/** The request as it will be sent: vars filled, URL resolved, pattern compiled; or why it cannot be. */
function prepare(options: HttpCheckOptions): { ok: true; value: Prepared } | { ok: false; url: string; detail: string } {
  const { check } = options;
  const vars = options.vars ?? {};
  const method = (check.method ?? 'GET').toUpperCase();
  const path = fillVars(check.path, vars, 'path');
  const fallbackUrl = `${options.baseUrl.replace(/\/+$/, '')}${check.path}`;
  if (!path.ok) return { ok: false, url: fallbackUrl, detail: path.detail };
  if (!path.value.startsWith('/')) return { ok: false, url: fallbackUrl, detail: `path must start with "/": ${check.path}` };
  let url: string;
  try {
    const base = new URL(options.baseUrl);
    url = new URL(path.value, base).toString();
  } catch {
    return { ok: false, url: fallbackUrl, detail: `invalid base URL ${options.baseUrl}` };
  }
  const expect: HttpExpect = { status: check.expect.status };
  if (check.expect.body !== undefined) {
    const body = fillVars(check.expect.body, vars, 'text');
    if (!body.ok) return { ok: false, url, detail: body.detail };
    expect.body = body.value;
  }
  if (check.expect.header !== undefined) {
    expect.header = {};
    for (const [name, template] of Object.entries(check.expect.header)) {
      const value = fillVars(template, vars, 'text');
      if (!value.ok) return { ok: false, url, detail: value.detail };
      expect.header[name] = value.value;
    }
  }
  let pattern: RegExp | undefined;
  if (check.expect.bodyPattern !== undefined) {
    const source = fillVars(check.expect.bodyPattern, vars, 'pattern');
    if (!source.ok) return { ok: false, url, detail: source.detail };
    try {
      pattern = new RegExp(source.value);
    } catch (error) {
      return { ok: false, url, detail: `invalid bodyPattern /${source.value}/: ${(error as Error).message}` };
    }
  }
  return { ok: true, value: { url, method, expect, ...(pattern ? { pattern } : {}) } };
}

/** A transport failure in words: refused, timed out, reset... */
function describeRequestError(error: unknown, timeoutMs: number): string {
  if (error instanceof RequestError) {
    if (error.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
    if (error.code === 'ECONNREFUSED') return 'connection refused';
    if (error.code === 'ECONNRESET') return 'connection reset';
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** One request, one verdict; throws only when the signal aborted it. */
async function attemptOnce(prepared: Prepared, options: HttpCheckOptions, agent: Agent): Promise<Attempt> {
  const started = performance.now();
  try {
    const response = await got(prepared.url, {
      method: prepared.method as 'GET',
      headers: { 'user-agent': 'lvs-release smoke', ...(options.hostHeader ? { host: options.hostHeader } : {}) },
      timeout: { request: options.check.timeoutMs },
      retry: { limit: 0 },
      followRedirect: options.followRedirects ?? false,
      throwHttpErrors: false,
      responseType: 'text',
      agent: { http: agent },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const durationMs = Math.round(performance.now() - started);
    const mismatch = describeMismatch(prepared.expect, { status: response.statusCode, headers: response.headers, body: response.body }, prepared.pattern);
    if (mismatch !== null) return { ok: false, status: response.statusCode, detail: mismatch };
    return { ok: true, status: response.statusCode, durationMs };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    return { ok: false, detail: describeRequestError(error, options.check.timeoutMs) };
  }
}

/** Runs the check until it passes or its retries run out; emits `retry` per failed attempt and one `smoke`. */
export async function runHttpCheck(options: HttpCheckOptions): Promise<HttpCheckResult> {
  const { check, emit, server, signal } = options;
  const prepared = prepare(options);
  if (!prepared.ok) {
    emit({ type: 'smoke', server, ok: false, attempt: 0, url: prepared.url, detail: prepared.detail });
    return { ok: false, url: prepared.url, detail: prepared.detail, attempts: 0 };
  }
  const { url, method } = prepared.value;
  const what = `smoke ${method} ${check.path}`;
  const agent = new Agent({ keepAlive: false });
  let attempts = 0;
  let lastStatus: number | undefined;
  try {
    const passed = await pRetry(
      async () => {
        attempts += 1;
        const result = await attemptOnce(prepared.value, options, agent);
        lastStatus = result.status;
        if (!result.ok) throw new AttemptFailed(result.detail, result.status);
        return result;
      },
      {
        retries: Math.max(0, check.retries),
        minTimeout: Math.max(0, check.intervalMs),
        factor: 1,
        randomize: false,
        ...(signal ? { signal } : {}),
        onFailedAttempt: ({ error, attemptNumber, retriesLeft, retryDelay }) => {
          if (retriesLeft > 0) emit({ type: 'retry', server, what, attempt: attemptNumber, delayMs: retryDelay, error: error.message });
        },
      },
    );
    emit({ type: 'smoke', server, ok: true, attempt: attempts, url, status: passed.status, detail: `${passed.status} in ${passed.durationMs} ms` });
    return { ok: true, url, status: passed.status, durationMs: passed.durationMs, attempts };
  } catch (error) {
    const detail = signal?.aborted ? 'aborted' : error instanceof Error ? error.message : String(error);
    const status = signal?.aborted ? undefined : lastStatus;
    emit({ type: 'smoke', server, ok: false, attempt: attempts, url, ...(status === undefined ? {} : { status }), detail });
    return { ok: false, url, ...(status === undefined ? {} : { status }), detail, attempts };
  } finally {
    agent.destroy();
  }
}
