// ss's filter language, the part scripts use: `state S…` / `exclude S…`, then an expression of
// `sport|dport OP :PORT` and `src|dst ADDR[/PLEN][:PORT]`, joined by and/or/not and parentheses
// (`( sport = :80 or sport = :443 )`). Parsed into a predicate over a socket.

export const SS_STATES = [
  'ESTAB',
  'SYN-SENT',
  'SYN-RECV',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'TIME-WAIT',
  'UNCONN',
  'CLOSE-WAIT',
  'LAST-ACK',
  'LISTEN',
  'CLOSING',
] as const;
export type SsState = (typeof SS_STATES)[number];

export interface SsEndpoint {
  address: string;
  /** 0 for `*` (a listening socket's peer). */
  port: number;
}

export interface SsSocket {
  state: SsState;
  recvQ: number;
  sendQ: number;
  local: SsEndpoint;
  peer: SsEndpoint;
}

const STATE_WORDS: Record<string, readonly SsState[]> = {
  established: ['ESTAB'],
  'syn-sent': ['SYN-SENT'],
  'syn-recv': ['SYN-RECV'],
  'fin-wait-1': ['FIN-WAIT-1'],
  'fin-wait-2': ['FIN-WAIT-2'],
  'time-wait': ['TIME-WAIT'],
  closed: ['UNCONN'],
  'close-wait': ['CLOSE-WAIT'],
  'last-ack': ['LAST-ACK'],
  listening: ['LISTEN'],
  listen: ['LISTEN'],
  closing: ['CLOSING'],
  all: SS_STATES,
  connected: ['ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSING'],
  synchronized: ['ESTAB', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSING'],
  bucket: ['SYN-RECV', 'TIME-WAIT'],
  big: ['ESTAB', 'SYN-SENT', 'FIN-WAIT-1', 'FIN-WAIT-2', 'UNCONN', 'CLOSE-WAIT', 'LAST-ACK', 'LISTEN', 'CLOSING'],
};

export type SsPredicate = (socket: SsSocket) => boolean;

export type ParsedFilter =
  | { ok: true; states: Set<SsState> | undefined; predicate: SsPredicate }
  | { ok: false; error: 'state'; word: string }
  | { ok: false; error: 'syntax' };

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '==': (a, b) => a === b,
  eq: (a, b) => a === b,
  '!=': (a, b) => a !== b,
  ne: (a, b) => a !== b,
  neq: (a, b) => a !== b,
  '>': (a, b) => a > b,
  gt: (a, b) => a > b,
  '<': (a, b) => a < b,
  lt: (a, b) => a < b,
  '>=': (a, b) => a >= b,
  ge: (a, b) => a >= b,
  geq: (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  le: (a, b) => a <= b,
  leq: (a, b) => a <= b,
};

const ipv4 = (text: string): number | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
};

/** `127.0.0.1`, `127.0.0.0/8`, `127.0.0.1:80`, `:80`, `*:80`, `*` → a test on an endpoint. */
function hostCondition(text: string): ((e: SsEndpoint) => boolean) | undefined {
  const colon = text.lastIndexOf(':');
  const hostPart = colon >= 0 ? text.slice(0, colon) : text;
  const portPart = colon >= 0 ? text.slice(colon + 1) : undefined;
  if (portPart !== undefined && portPart !== '*' && !/^\d+$/.test(portPart)) return undefined;
  const port = portPart === undefined || portPart === '*' ? undefined : Number(portPart);
  let hostTest: (address: string) => boolean = () => true;
  if (hostPart !== '' && hostPart !== '*') {
    const [addr = '', plenText] = hostPart.split('/');
    const base = ipv4(addr);
    const plen = plenText === undefined ? 32 : Number(plenText);
    if (base === undefined || !(plen >= 0 && plen <= 32)) return undefined;
    const mask = plen === 0 ? 0 : 2 ** 32 - 2 ** (32 - plen);
    const masked = (n: number) => Number(BigInt(n) & BigInt(mask));
    hostTest = (address) => {
      const n = ipv4(address);
      return n !== undefined && masked(n) === masked(base);
    };
  }
  return (e) => hostTest(e.address) && (port === undefined || e.port === port);
}

/** What ss calls "bison bellows": the filter does not parse. */
class FilterSyntaxError extends Error {}

/** Splits ss's arguments into words, with parentheses as words of their own. */
function tokenize(args: readonly string[]): string[] {
  return args
    .join(' ')
    .replace(/([()])/g, ' $1 ')
    .split(/\s+/)
    .filter(Boolean);
}

export function parseSsFilter(args: readonly string[]): ParsedFilter {
  const tokens = tokenize(args);
  let pos = 0;
  let states: Set<SsState> | undefined;
  while (tokens[pos] === 'state' || tokens[pos] === 'exclude' || tokens[pos] === 'excl') {
    const include = tokens[pos] === 'state';
    const word = tokens[pos + 1] ?? '';
    const named = STATE_WORDS[word];
    if (!named) return { ok: false, error: 'state', word };
    if (include) states = new Set([...(states ?? []), ...named]);
    else states = new Set([...(states ?? SS_STATES)].filter((s) => !named.includes(s)));
    pos += 2;
  }

  const peek = () => tokens[pos];
  const next = () => {
    const t = tokens[pos++];
    if (t === undefined) throw new FilterSyntaxError();
    return t;
  };
  const condition = (): SsPredicate => {
    const word = next();
    if (word === 'sport' || word === 'dport') {
      let op = '=';
      if (peek() !== undefined && Object.hasOwn(COMPARE, peek() as string)) op = next();
      const value = next().replace(/^\*?:/, '');
      if (!/^\d+$/.test(value)) throw new FilterSyntaxError();
      const port = Number(value);
      const cmp = COMPARE[op] as (a: number, b: number) => boolean;
      return word === 'sport' ? (s) => cmp(s.local.port, port) : (s) => cmp(s.peer.port, port);
    }
    if (word === 'src' || word === 'dst') {
      if (peek() === '=' || peek() === '==') next();
      const test = hostCondition(next());
      if (!test) throw new FilterSyntaxError();
      return word === 'src' ? (s) => test(s.local) : (s) => test(s.peer);
    }
    throw new FilterSyntaxError();
  };
  const factor = (): SsPredicate => {
    const t = peek();
    if (t === 'not' || t === '!') {
      next();
      const inner = factor();
      return (s) => !inner(s);
    }
    if (t === '(') {
      next();
      const inner = expression();
      if (next() !== ')') throw new FilterSyntaxError();
      return inner;
    }
    return condition();
  };
  const term = (): SsPredicate => {
    const parts = [factor()];
    for (;;) {
      const t = peek();
      if (t === 'and' || t === '&' || t === '&&') {
        next();
        parts.push(factor());
      } else if (t !== undefined && t !== ')' && t !== 'or' && t !== '|' && t !== '||') parts.push(factor());
      else break;
    }
    return (s) => parts.every((p) => p(s));
  };
  const expression = (): SsPredicate => {
    const parts = [term()];
    while (peek() === 'or' || peek() === '|' || peek() === '||') {
      next();
      parts.push(term());
    }
    return (s) => parts.some((p) => p(s));
  };
  try {
    const predicate = pos < tokens.length ? expression() : () => true;
    if (pos < tokens.length) return { ok: false, error: 'syntax' };
    return { ok: true, states, predicate };
  } catch (error) {
    if (error instanceof FilterSyntaxError) return { ok: false, error: 'syntax' };
    throw error;
  }
}
