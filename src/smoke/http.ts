// An HTTP smoke check against one server's own address: got makes one attempt, p-retry is the one
// retry layer, and every wait shows up as a `retry` event. A failed check is a value, never a throw.
// Every field of a check is a template of the one engine (shell/template.ts), given every variable
// of the pipeline: the path URL-encoded, the pattern regex-escaped, the body and headers as text.
// With a tunnel (app.smoke.via: ssh) each attempt's connection is a channel through the server's
// SSH connection instead of a socket from this machine; nothing else changes.

import { Agent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';
import got, { RequestError } from 'got';
import pRetry from 'p-retry';
import { isReleaseError } from '../core/errors.ts';
import type { Emit } from '../events/types.ts';
import { renderTemplate, type RenderContext, type TemplateVars } from '../shell/template.ts';
import { describeMismatch, type HttpExpect } from './expect.ts';
import { tunnelAgents, type Tunnel } from './tunnel-agent.ts';

export type { HttpExpect } from './expect.ts';

export interface HttpCheck {
  /** Starts with `/`; `{{vars}}` are URL-encoded into it. */
  path: string;
  /** Default GET. */
  method?: string;
  /** Templates: `body` and `header` values as text, `bodyPattern` with its values regex-escaped. */
  expect: HttpExpect;
  /** Host header of this check (a template); default `hostHeader` of the options. */
  host?: string;
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
  /** Sent as `Host:` (the site's name), since the request goes to the server's address. Not a template. */
  hostHeader?: string;
  emit: Emit;
  /** Server name, for the events. */
  server: string;
  signal?: AbortSignal;
  /** The pipeline's variables for this server ({{release}}, {{server.name}} ...). */
  vars?: TemplateVars;
  /** Default false: a redirect is a response like any other. */
  followRedirects?: boolean;
  /** Connect through this (the server's SSH connection) instead of from this machine. */
  tunnel?: Tunnel;
}

export type HttpCheckResult =
  | { ok: true; url: string; status: number; durationMs: number; attempts: number }
  | { ok: false; url: string; status?: number; detail: string; attempts: number };

/** Runs one smoke check: `runHttpCheck`, or a dry run's reporting stand-in. */
export type HttpChecker = (options: HttpCheckOptions) => Promise<HttpCheckResult>;

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

export interface PreparedCheck {
  url: string;
  method: string;
  expect: HttpExpect;
  pattern?: RegExp;
  hostHeader?: string;
}

export type PrepareResult = { ok: true; value: PreparedCheck } | { ok: false; url: string; detail: string };

/** The request as it will be sent: every template rendered, URL resolved, pattern compiled; or why it cannot be. */
export function prepareHttpCheck(options: HttpCheckOptions): PrepareResult {
  const { check } = options;
  const vars = options.vars ?? {};
  const base = options.baseUrl.replace(/\/+$/, '');
  const render = (template: string, context: RenderContext) => renderTemplate(template, vars, context);
  let path: string;
  let expect: HttpExpect;
  let hostHeader: string | undefined;
  try {
    path = render(check.path, 'url-path');
    expect = {
      status: check.expect.status,
      ...(check.expect.body === undefined ? {} : { body: render(check.expect.body, 'text') }),
      ...(check.expect.bodyPattern === undefined ? {} : { bodyPattern: render(check.expect.bodyPattern, 'pattern') }),
      ...(check.expect.header === undefined
        ? {}
        : { header: Object.fromEntries(Object.entries(check.expect.header).map(([name, value]) => [name, render(value, 'text')])) }),
    };
    hostHeader = check.host === undefined ? options.hostHeader : render(check.host, 'text');
  } catch (error) {
    if (!isReleaseError(error)) throw error;
    return { ok: false, url: `${base}${check.path}`, detail: `${error.code}: ${error.message}` };
  }
  const url = `${base}${path}`;
  if (!path.startsWith('/')) return { ok: false, url, detail: `path must start with "/": ${check.path}` };
  try {
    new URL(url);
  } catch {
    return { ok: false, url, detail: `invalid URL ${url}` };
  }
  let pattern: RegExp | undefined;
  if (expect.bodyPattern !== undefined) {
    try {
      pattern = new RegExp(expect.bodyPattern);
    } catch (error) {
      return { ok: false, url, detail: `invalid bodyPattern /${expect.bodyPattern}/: ${(error as Error).message}` };
    }
  }
  const method = (check.method ?? 'GET').toUpperCase();
  return { ok: true, value: { url, method, expect, pattern, hostHeader } };
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
async function attemptOnce(prepared: PreparedCheck, options: HttpCheckOptions, agent: { http: Agent; https?: HttpsAgent }): Promise<Attempt> {
  const started = performance.now();
  try {
    const response = await got(prepared.url, {
      method: prepared.method as 'GET',
      headers: { 'user-agent': 'lvs-release smoke', ...(prepared.hostHeader ? { host: prepared.hostHeader } : {}) },
      timeout: { request: options.check.timeoutMs },
      retry: { limit: 0 },
      followRedirect: options.followRedirects ?? false,
      throwHttpErrors: false,
      responseType: 'text',
      agent,
      signal: options.signal,
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
  const prepared = prepareHttpCheck(options);
  if (!prepared.ok) {
    emit({ type: 'smoke', server, ok: false, attempt: 0, url: prepared.url, detail: prepared.detail });
    return { ok: false, url: prepared.url, detail: prepared.detail, attempts: 0 };
  }
  const { url, method } = prepared.value;
  const what = `smoke ${method} ${check.path}`;
  const agent: { http: Agent; https?: HttpsAgent } = options.tunnel ? tunnelAgents(options.tunnel, signal) : { http: new Agent({ keepAlive: false }) };
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
        signal,
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
    agent.http.destroy();
    agent.https?.destroy();
  }
}
