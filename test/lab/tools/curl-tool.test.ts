// The lab's `curl` against a small HTTP server: curl 7.88's output, messages and exit codes.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCurl, type CurlRoute } from '../../../src/lab/tools/curl-tool.ts';

let server: Server;
let port = 0;
let dir = '';
const seen: { host?: string; agent?: string; method?: string }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-curl-'));
  server = createServer((req, res) => {
    seen.push({ host: req.headers.host, agent: req.headers['user-agent'], method: req.method });
    if (req.url === '/hang') return;
    if (req.url === '/drop') return void req.socket.destroy();
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
    res.end(req.url === '/missing' ? 'not found\n' : 'version=v1 host=web1\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

/** Every address:port goes to the test server, except port 9 (refused). */
const route = (_address: string, p: number): CurlRoute => (p === 9 ? { refused: true } : { connect: { host: '127.0.0.1', port } });
const curl = (...argv: string[]) => runCurl(argv, { cwd: dir, route });
const text = (v: string | Buffer | undefined) => (v === undefined ? '' : v.toString());

describe('curl', () => {
  it('prints the body, or only -w with -o /dev/null, sending Host as the URL names it', async () => {
    const body = await curl('-sS', '--max-time', '5', 'http://127.0.0.100:8080/');
    expect([text(body.stdout), body.exitCode]).toEqual(['version=v1 host=web1\n', 0]);
    expect(seen.at(-1)).toEqual({ host: '127.0.0.100:8080', agent: 'curl/7.88.1', method: 'GET' });
    const code = await curl('-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', 'http://127.0.0.100:8080/health');
    expect([text(code.stdout), text(code.stderr), code.exitCode]).toEqual(['200', '', 0]);
    const file = await curl('-sSo', 'out.txt', '-w', '%{http_code}\\n', 'http://localhost:8080/');
    expect(text(file.stdout)).toBe('200\n');
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe('version=v1 host=web1\n');
    const head = await curl('-sI', 'http://127.0.0.1:8080/');
    expect(text(head.stdout)).toMatch(/^HTTP\/1\.1 200 OK\r\ncontent-type: text\/plain\r\n/);
  });

  it('-f turns >= 400 into exit 22 without the body; without -f the status is just printed', async () => {
    expect(await curl('-sSf', 'http://127.0.0.1:8080/missing')).toMatchObject({ stderr: 'curl: (22) The requested URL returned error: 404\n', exitCode: 22 });
    expect(await curl('-sf', '-w', '%{http_code}', 'http://127.0.0.1:8080/missing')).toMatchObject({ stdout: '404', stderr: '', exitCode: 22 });
    const plain = await curl('-s', '-w', '%{http_code}', 'http://127.0.0.1:8080/missing');
    expect([text(plain.stdout), plain.exitCode]).toEqual(['not found\n404', 0]);
  });

  it('exits 7 when refused, 28 on --max-time, 52 on an empty reply, 6 for a name, 2 for an unknown option', async () => {
    expect(await curl('-sS', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1:9/')).toEqual({
      stdout: '000',
      stderr: "curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server\n",
      exitCode: 7,
    });
    const slow = await curl('-sS', '--max-time', '0.3', 'http://127.0.0.1:8080/hang');
    expect(slow.exitCode).toBe(28);
    expect(text(slow.stderr)).toMatch(/^curl: \(28\) Operation timed out after \d+ milliseconds with 0 bytes received\n$/);
    expect(await curl('-s', 'http://127.0.0.1:8080/drop')).toEqual({ stdout: '', stderr: '', exitCode: 52 });
    expect(await curl('-sS', 'http://127.0.0.1:8080/drop')).toMatchObject({ stderr: 'curl: (52) Empty reply from server\n', exitCode: 52 });
    expect(await curl('-sS', 'http://web1.example.net/')).toMatchObject({ stderr: 'curl: (6) Could not resolve host: web1.example.net\n', exitCode: 6 });
    expect(await curl('--bogus', 'http://127.0.0.1/')).toEqual({
      stderr: "curl: option --bogus: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n",
      exitCode: 2,
    });
  });
});
