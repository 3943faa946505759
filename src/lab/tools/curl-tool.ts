// The lab's `curl`: enough of curl 7.88 for smoke checks from a host, e.g.
// `curl -sS -o /dev/null -w '%{http_code}' --max-time 5 http://HOST:PORT/path`: http:// only,
// GET/HEAD, -s -S -f -o -w -m --connect-timeout -H -I -i -X; curl's messages and exit codes
// (6 unresolved, 7 refused, 22 with -f on >= 400, 28 timeout, 52 empty reply, 56 reset). Where a
// connection goes is the lab's to say (`route`): the host's own app for its own addresses (and
// the VIP while it is on lo), else the address as given.
import { request, type IncomingMessage } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { ToolResult } from './tool-server.ts';

export type CurlRoute = { connect: { host: string; port: number } } | { refused: true };

export interface CurlContext {
  cwd: string;
  /** Where a connection to `address:port` from this host goes. */
  route: (address: string, port: number) => CurlRoute;
}

interface CurlOptions {
  silent: boolean;
  showError: boolean;
  fail: boolean;
  output?: string;
  writeOut?: string;
  maxTimeMs?: number;
  connectTimeoutMs?: number;
  headers: [string, string][];
  method: string;
  include: boolean;
  url?: string;
}

const VERSION = '7.88.1';
const LAB_MAX_TIME_MS = 300_000;
const UNKNOWN = (option: string): ToolResult => ({
  stderr: `curl: option ${option}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n`,
  exitCode: 2,
});

const WITH_VALUE: Record<string, keyof CurlOptions | 'header'> = {
  o: 'output',
  '--output': 'output',
  w: 'writeOut',
  '--write-out': 'writeOut',
  m: 'maxTimeMs',
  '--max-time': 'maxTimeMs',
  '--connect-timeout': 'connectTimeoutMs',
  H: 'header',
  '--header': 'header',
  X: 'method',
  '--request': 'method',
};
const silent = (o: CurlOptions) => {
  o.silent = true;
};
const showError = (o: CurlOptions) => {
  o.showError = true;
};
const failOn400 = (o: CurlOptions) => {
  o.fail = true;
};
const head = (o: CurlOptions) => {
  o.method = 'HEAD';
  o.include = true;
};
const include = (o: CurlOptions) => {
  o.include = true;
};
// Accepted and meaningless here: no TLS, no redirects from the lab app, IPv4 only, no proxy.
const ignored = () => undefined;
const FLAGS: Record<string, (o: CurlOptions) => void> = {
  s: silent,
  '--silent': silent,
  S: showError,
  '--show-error': showError,
  f: failOn400,
  '--fail': failOn400,
  I: head,
  '--head': head,
  i: include,
  '--include': include,
  k: ignored,
  '--insecure': ignored,
  L: ignored,
  '--location': ignored,
  '4': ignored,
  '--ipv4': ignored,
  v: ignored,
  '--verbose': ignored,
};

function setValue(o: CurlOptions, key: keyof CurlOptions | 'header', value: string): ToolResult | undefined {
  if (key === 'header') {
    const colon = value.indexOf(':');
    if (colon > 0) o.headers.push([value.slice(0, colon).trim(), value.slice(colon + 1).trim()]);
  } else if (key === 'maxTimeMs' || key === 'connectTimeoutMs') {
    const seconds = Number(value);
    if (!(seconds >= 0))
      return { stderr: `curl: option ${key === 'maxTimeMs' ? '--max-time' : '--connect-timeout'}: expected a proper numerical parameter\n`, exitCode: 2 };
    o[key] = seconds * 1000;
  } else if (key === 'output' || key === 'writeOut' || key === 'method') o[key] = value;
  return undefined;
}

function parseArgs(argv: readonly string[]): CurlOptions | ToolResult {
  const o: CurlOptions = { silent: false, showError: false, fail: false, headers: [], method: 'GET', include: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith('--')) {
      const valueKey = WITH_VALUE[arg];
      if (valueKey) {
        const value = argv[++i];
        if (value === undefined) return { stderr: `curl: option ${arg}: requires parameter\n`, exitCode: 2 };
        const bad = setValue(o, valueKey, value);
        if (bad) return bad;
      } else if (FLAGS[arg]) FLAGS[arg](o);
      else return UNKNOWN(arg);
    } else if (arg.startsWith('-') && arg.length > 1) {
      // Bundled short options; one taking a value takes the rest of the word, or the next one.
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j] as string;
        const valueKey = WITH_VALUE[c];
        if (valueKey) {
          const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
          if (value === undefined) return { stderr: `curl: option -${c}: requires parameter\n`, exitCode: 2 };
          const bad = setValue(o, valueKey, value);
          if (bad) return bad;
          break;
        }
        const flag = FLAGS[c];
        if (!flag) return UNKNOWN(`-${c}`);
        flag(o);
      }
    } else if (o.url === undefined) o.url = arg;
    else return { stderr: 'curl (lab): one URL at a time\n', exitCode: 2 };
  }
  return o;
}

interface Outcome {
  status: number;
  head: string;
  body: Buffer;
  error?: { code: number; message: string };
  address?: { host: string; port: number };
  ms: number;
}

/** `%{http_code}` and friends, with curl's `\n`/`\t` escapes. */
function renderWriteOut(format: string, outcome: Outcome, url: string): ToolResult | string {
  const vars: Record<string, string> = {
    http_code: String(outcome.status).padStart(3, '0'),
    response_code: String(outcome.status).padStart(3, '0'),
    time_total: (outcome.ms / 1000).toFixed(6),
    size_download: String(outcome.body.length),
    remote_ip: outcome.address?.host ?? '',
    remote_port: outcome.address ? String(outcome.address.port) : '',
    url_effective: url,
    exitcode: String(outcome.error?.code ?? 0),
  };
  let unknown: string | undefined;
  const text = format
    .replace(/%\{([a-z_]+)\}/g, (_match, name: string) => {
      if (Object.hasOwn(vars, name)) return vars[name] as string;
      unknown ??= name;
      return '';
    })
    .replace(/\\([nrt\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', '\\': '\\' })[c] as string);
  return unknown ? { stderr: `curl: unknown --write-out variable: '${unknown}'\n`, exitCode: 0 } : text;
}

function fetchOnce(o: CurlOptions, target: { host: string; port: number }, hostHeader: string, path: string): Promise<Outcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolveOutcome) => {
    let settled = false;
    let received = 0;
    const timers: NodeJS.Timeout[] = [];
    const done = (outcome: Omit<Outcome, 'ms'>) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      req.destroy();
      resolveOutcome({ ...outcome, ms: ms() });
    };
    const failed = (code: number, message: string) => done({ status: 0, head: '', body: Buffer.alloc(0), error: { code, message } });
    const headers: Record<string, string> = { Host: hostHeader, 'User-Agent': `curl/${VERSION}`, Accept: '*/*' };
    for (const [name, value] of o.headers) headers[name] = value;
    const req = request({ host: target.host, port: target.port, path, method: o.method, headers, agent: false });
    let connected = false;
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    // NOTE: real curl waits forever without --max-time; the lab gives up after LAB_MAX_TIME_MS so
    // that a hung request cannot outlive the command that ran it by much.
    const limit = o.maxTimeMs ?? LAB_MAX_TIME_MS;
    timers.push(setTimeout(() => failed(28, `Operation timed out after ${ms()} milliseconds with ${received} bytes received`), limit));
    if (o.connectTimeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          if (!connected) failed(28, `Failed to connect to ${target.host} port ${target.port} after ${ms()} ms: Timeout was reached`);
        }, o.connectTimeoutMs),
      );
    }
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') failed(7, `Failed to connect to ${target.host} port ${target.port} after ${ms()} ms: Couldn't connect to server`);
      // Node says "socket hang up" when the server closed without answering: curl's empty reply.
      else if (error.message === 'socket hang up') failed(52, 'Empty reply from server');
      else failed(56, `Recv failure: ${error.code === 'ECONNRESET' ? 'Connection reset by peer' : error.message}`);
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      const lines = [`HTTP/${res.httpVersion} ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`];
      for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        chunks.push(chunk);
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, head: `${lines.join('\r\n')}\r\n\r\n`, body: Buffer.concat(chunks), address: target }));
      res.on('error', () => failed(56, 'Recv failure: Connection reset by peer'));
    });
    req.end();
  });
}

/** Runs one curl command line; `ctx.route` decides where each connection goes. */
export async function runCurl(argv: readonly string[], ctx: CurlContext): Promise<ToolResult> {
  const parsed = parseArgs(argv);
  if ('exitCode' in parsed) return parsed;
  const o = parsed;
  if (o.url === undefined) return { stderr: "curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information\n", exitCode: 2 };
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(o.url) ? o.url : `http://${o.url}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { stderr: `curl: (3) URL using bad/illegal format or missing URL\n`, exitCode: 3 };
  }
  const report = (code: number, message: string, outcome?: Outcome): ToolResult => {
    const wrote = o.writeOut !== undefined && outcome ? renderWriteOut(o.writeOut, outcome, url.href) : '';
    const stderr = !o.silent || o.showError ? `curl: (${code}) ${message}\n` : '';
    return { stdout: typeof wrote === 'string' ? wrote : '', stderr, exitCode: code };
  };
  if (url.protocol !== 'http:')
    return report(1, `Protocol "${url.protocol.replace(/:$/, '')}" not supported or disabled in libcurl (the lab speaks http only)`);
  const name = url.hostname;
  const address = name === 'localhost' ? '127.0.0.1' : /^\d{1,3}(\.\d{1,3}){3}$/.test(name) ? name : undefined;
  const empty: Outcome = { status: 0, head: '', body: Buffer.alloc(0), ms: 0 };
  if (address === undefined) return report(6, `Could not resolve host: ${name}`, empty);
  const port = url.port === '' ? 80 : Number(url.port);
  const route = ctx.route(address, port);
  if ('refused' in route) return report(7, `Failed to connect to ${name} port ${port} after 0 ms: Couldn't connect to server`, empty);

  const outcome = await fetchOnce(o, route.connect, url.host, `${url.pathname}${url.search}`);
  if (outcome.error) {
    const message = outcome.error.message.replace(`${route.connect.host} port ${route.connect.port}`, `${name} port ${port}`);
    return report(outcome.error.code, message, outcome);
  }
  if (o.fail && outcome.status >= 400) return report(22, `The requested URL returned error: ${outcome.status}`, outcome);
  const shown = Buffer.concat([o.include ? Buffer.from(outcome.head) : Buffer.alloc(0), outcome.body]);
  let stdout: string | Buffer = shown;
  if (o.output !== undefined) {
    if (o.output !== '/dev/null' && o.output !== '-') await writeFile(resolvePath(ctx.cwd, o.output), shown);
    stdout = o.output === '-' ? shown : Buffer.alloc(0);
  }
  const wrote = o.writeOut !== undefined ? renderWriteOut(o.writeOut, outcome, url.href) : '';
  if (typeof wrote !== 'string') return { stdout, stderr: wrote.stderr ?? '', exitCode: 0 };
  return { stdout: Buffer.concat([Buffer.from(stdout), Buffer.from(wrote)]), exitCode: 0 };
}
