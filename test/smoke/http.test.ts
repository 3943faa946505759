import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/events/types.ts';
import { runHttpCheck, type HttpCheck } from '../../src/smoke/http.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

const servers: Server[] = [];

/** A real HTTP server on 127.0.0.1, port 0; `hits` counts requests seen. */
async function serve(handler: Handler) {
  const state = { hits: 0, hosts: [] as (string | undefined)[] };
  const server = createServer((req, res) => {
    state.hits += 1;
    state.hosts.push(req.headers.host);
    handler(req, res, state.hits);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, state };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function check(overrides: Partial<HttpCheck> = {}): HttpCheck {
  return { path: '/', method: 'GET', expect: { status: 200 }, timeoutMs: 2000, retries: 0, intervalMs: 10, ...overrides };
}

function recorder() {
  const events: EventInput[] = [];
  return { events, emit: (event: EventInput) => void events.push(event) };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('runHttpCheck', () => {
  it('passes on the expected status and body, sending the Host header, and emits one smoke event', async () => {
    const { baseUrl, state } = await serve((_req, res) => res.end('<h1>release r42</h1>'));
    const rec = recorder();
    const result = await runHttpCheck({
      check: check({ path: '/?v={{release}}', expect: { status: 200, body: '{{release}}', bodyPattern: 'release r\\d+' } }),
      baseUrl,
      hostHeader: 'www.example.com',
      emit: rec.emit,
      server: 'web1',
      vars: { release: 'r42' },
    });
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 1, url: `${baseUrl}/?v=r42` });
    expect(result.ok && result.durationMs).toBeGreaterThanOrEqual(0);
    expect(state.hosts).toEqual(['www.example.com']);
    expect(rec.events).toHaveLength(1);
    expect(rec.events[0]).toMatchObject({ type: 'smoke', server: 'web1', ok: true, attempt: 1, status: 200 });
    expect((rec.events[0] as { detail?: string }).detail).toMatch(/^200 in \d+ ms$/);
  });

  it('retries a wrong status until it recovers, each wait visible as a retry event', async () => {
    const { baseUrl, state } = await serve((_req, res, hit) => {
      res.statusCode = hit < 3 ? 503 : 200;
      res.end('ok');
    });
    const rec = recorder();
    const result = await runHttpCheck({ check: check({ retries: 5, intervalMs: 20 }), baseUrl, emit: rec.emit, server: 'web2' });
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 3 });
    expect(state.hits).toBe(3);
    expect(rec.events.map((e) => e.type)).toEqual(['retry', 'retry', 'smoke']);
    expect(rec.events[0]).toEqual({ type: 'retry', server: 'web2', what: 'smoke GET /', attempt: 1, delayMs: 20, error: 'expected status 200, got 503' });
    expect(rec.events[1]).toMatchObject({ type: 'retry', attempt: 2 });
    expect(rec.events[2]).toMatchObject({ type: 'smoke', ok: true, attempt: 3 });
  });

  it('fails after its retries with the last status and detail, without throwing', async () => {
    const { baseUrl, state } = await serve((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const rec = recorder();
    const result = await runHttpCheck({ check: check({ retries: 2 }), baseUrl, emit: rec.emit, server: 'web3' });
    expect(result).toEqual({ ok: false, url: `${baseUrl}/`, status: 500, detail: 'expected status 200, got 500', attempts: 3 });
    expect(state.hits).toBe(3);
    expect(rec.events.map((e) => e.type)).toEqual(['retry', 'retry', 'smoke']);
    expect(rec.events[2]).toMatchObject({ type: 'smoke', ok: false, attempt: 3, status: 500, detail: 'expected status 200, got 500' });
  });

  it('explains body, pattern and header mismatches', async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('x-release', 'r1');
      res.end('<h1>release r1</h1>');
    });
    const run = (expectation: HttpCheck['expect']) => runHttpCheck({ check: check({ expect: expectation }), baseUrl, emit: () => {}, server: 'web1' });
    expect(await run({ status: 200, body: 'r2' })).toMatchObject({
      ok: false,
      status: 200,
      detail: 'body does not contain "r2" (got 19 bytes: "<h1>release r1</h1>")',
    });
    expect(await run({ status: 200, bodyPattern: 'release r[2-9]' })).toMatchObject({
      ok: false,
      detail: 'body does not match /release r[2-9]/ (got 19 bytes: "<h1>release r1</h1>")',
    });
    expect(await run({ status: 200, header: { 'X-Release': 'r2' } })).toMatchObject({
      ok: false,
      detail: 'header X-Release is "r1", expected it to contain "r2"',
    });
    expect(await run({ status: 200, header: { 'x-missing': 'yes' } })).toMatchObject({
      ok: false,
      detail: 'header x-missing missing (expected it to contain "yes")',
    });
    expect(await run({ status: 200, header: { 'content-type': 'text/html' }, body: 'release r1' })).toMatchObject({ ok: true });
  });

  it('does not follow redirects, and says where one pointed', async () => {
    const { baseUrl, state } = await serve((req, res) => {
      if (req.url === '/') {
        res.statusCode = 302;
        res.setHeader('location', '/login');
        res.end();
      } else res.end('login');
    });
    const result = await runHttpCheck({ check: check(), baseUrl, emit: () => {}, server: 'web1' });
    expect(result).toMatchObject({ ok: false, status: 302, detail: 'expected status 200, got 302 (redirect to /login, not followed)' });
    expect(state.hits).toBe(1);
  });

  it('times out an attempt that gets no answer', async () => {
    const { baseUrl } = await serve(() => {
      // Never answers.
    });
    const rec = recorder();
    const result = await runHttpCheck({ check: check({ timeoutMs: 150, retries: 1 }), baseUrl, emit: rec.emit, server: 'web1' });
    expect(result).toEqual({ ok: false, url: `${baseUrl}/`, detail: 'timed out after 150 ms', attempts: 2 });
    expect(rec.events.map((e) => e.type)).toEqual(['retry', 'smoke']);
  });

  it('reports a refused connection', async () => {
    const { baseUrl } = await serve(() => {});
    const server = servers.pop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const result = await runHttpCheck({ check: check(), baseUrl, emit: () => {}, server: 'web1' });
    expect(result).toEqual({ ok: false, url: `${baseUrl}/`, detail: 'connection refused', attempts: 1 });
  });

  it('stops when aborted mid-request, with detail "aborted"', async () => {
    const { baseUrl, state } = await serve(() => {});
    const controller = new AbortController();
    const rec = recorder();
    const pending = runHttpCheck({ check: check({ retries: 5 }), baseUrl, emit: rec.emit, server: 'web1', signal: controller.signal });
    await waitFor(() => state.hits === 1, 'the request to arrive');
    controller.abort();
    const result = await pending;
    expect(result).toEqual({ ok: false, url: `${baseUrl}/`, detail: 'aborted', attempts: 1 });
    expect(rec.events).toEqual([{ type: 'smoke', server: 'web1', ok: false, attempt: 1, url: `${baseUrl}/`, detail: 'aborted' }]);
  });

  it('stops when aborted during the wait between attempts', async () => {
    const { baseUrl, state } = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const controller = new AbortController();
    const rec = recorder();
    const pending = runHttpCheck({ check: check({ retries: 5, intervalMs: 60_000 }), baseUrl, emit: rec.emit, server: 'web1', signal: controller.signal });
    await waitFor(() => rec.events.some((e) => e.type === 'retry'), 'the first retry');
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ ok: false, detail: 'aborted', attempts: 1 });
    expect(state.hits).toBe(1);
  });

  it('gives every field the pipeline variables, each escaped for where it lands (path, header, body, pattern)', async () => {
    const { baseUrl, state } = await serve((req, res) => {
      res.setHeader('x-release', 'v2.1 (rc)');
      res.end(`version=v2.1 (rc) host=web1 url=${req.url}`);
    });
    const vars = { release: 'v2.1 (rc)', server: { name: 'web1', host: 'web1.example.net' } };
    const expectAll = { status: 200, body: '{{release}}', bodyPattern: '^version={{release}} host={{server.name}} ', header: { 'X-Release': '{{release}}' } };
    const rec = recorder();
    const passed = await runHttpCheck({ check: check({ path: '/v/{{release}}', expect: expectAll }), baseUrl, emit: rec.emit, server: 'web1', vars });
    expect(passed).toMatchObject({ ok: true, url: `${baseUrl}/v/v2.1%20(rc)` });
    // The value is matched literally: "." is not "any character", "(rc)" is not a group.
    const literal = await runHttpCheck({
      check: check({ expect: { status: 200, bodyPattern: 'version={{release}}' } }),
      baseUrl,
      emit: rec.emit,
      server: 'web1',
      vars: { release: 'v2x1 (rc)' },
    });
    expect(literal).toMatchObject({ ok: false, attempts: 1, detail: expect.stringContaining('body does not match /version=v2x1 \\(rc\\)/') });
    expect(state.hits).toBe(2);
  });

  it('refuses a check it cannot send, without a request', async () => {
    const { baseUrl, state } = await serve((_req, res) => res.end());
    const rec = recorder();
    const unknownVar = await runHttpCheck({ check: check({ path: '/{{nope}}' }), baseUrl, emit: rec.emit, server: 'web1', vars: {} });
    expect(unknownVar).toMatchObject({ ok: false, attempts: 0, detail: 'CONFIG_INVALID: unknown variable {{nope}}' });
    const badPattern = await runHttpCheck({ check: check({ expect: { status: 200, bodyPattern: '(' } }), baseUrl, emit: () => {}, server: 'web1' });
    expect(badPattern).toMatchObject({ ok: false, attempts: 0 });
    expect(badPattern.ok === false && badPattern.detail).toMatch(/^invalid bodyPattern \/\(\/: /);
    const relative = await runHttpCheck({ check: check({ path: 'health' }), baseUrl, emit: () => {}, server: 'web1' });
    expect(relative).toMatchObject({ ok: false, detail: 'path must start with "/": health' });
    expect(state.hits).toBe(0);
    expect(rec.events).toMatchObject([{ type: 'smoke', ok: false, attempt: 0 }]);
  });
});
