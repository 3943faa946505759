// A scripted HostSession for unit tests of the code that decides what to run: answers by rules,
// records every call, can lose its connection on demand. No network, no timers.
import { ReleaseError } from '../../src/core/errors.ts';
import { buildCommandLine } from '../../src/transport/command.ts';
import { openSessions } from '../../src/transport/open.ts';
import type {
  ExecOptions,
  ExecResult,
  ForwardResult,
  HostSession,
  HostTarget,
  RemoteCommand,
  Transport,
  UploadRequest,
  UploadResult,
} from '../../src/transport/types.ts';

/** What a scripted command answers; unset fields mean a clean exit 0 with no output. */
export interface FakeResponse {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  readonly timedOut?: boolean;
  readonly connectionLost?: boolean;
  readonly error?: string;
}

/**
 * RegExp: tested on the command line (as `buildCommandLine` renders it, sudo prefix included);
 * string[]: a prefix of the command's own argv (before any sudo); function: anything else.
 */
export type FakeMatch = RegExp | readonly string[] | ((command: RemoteCommand, commandLine: string) => boolean);

export type FakeResponder = FakeResponse | ((command: RemoteCommand, commandLine: string) => FakeResponse | Promise<FakeResponse>);

export type FakeCall =
  | { readonly kind: 'exec'; readonly command: RemoteCommand; readonly commandLine: string }
  | { readonly kind: 'upload'; readonly request: UploadRequest };

export interface FakeHostSession extends HostSession {
  readonly calls: FakeCall[];
  /** The command lines run so far, in order. */
  commandLines(): string[];
  /** Adds a rule; rules are tried in the order added, and one with `times` is used that often. */
  on(match: FakeMatch, respond: FakeResponder, times?: number): FakeHostSession;
  /** From now on every call reports `connectionLost` until `reconnect()`. */
  dropConnection(): void;
  readonly reconnects: number;
}

export interface FakeSessionOptions {
  readonly target?: Partial<HostTarget>;
  /** Answer for commands no rule matches. Default: exit 127 with "fake: no scripted response". */
  readonly fallback?: FakeResponse;
  /** Result fields for uploads (default: ok). */
  readonly upload?: (request: UploadRequest) => Partial<UploadResult>;
  /** Answers forward() (default: refused, as by `AllowTcpForwarding no`). */
  readonly forward?: (host: string, port: number) => ForwardResult | Promise<ForwardResult>;
}

export function createFakeSession(options: FakeSessionOptions = {}): FakeHostSession {
  const target: HostTarget = { name: 'web1', host: '127.0.0.1', port: 22, user: 'deploy', ...options.target };
  const rules: { match: FakeMatch; respond: FakeResponder; left: number }[] = [];
  const calls: FakeCall[] = [];
  let lost = false;
  let closed = false;
  let reconnects = 0;

  const findRule = (command: RemoteCommand, commandLine: string) => rules.find((rule) => rule.left > 0 && isMatch(rule.match, command, commandLine));

  const session: FakeHostSession = {
    target,
    calls,
    get connected() {
      return !lost && !closed;
    },
    get reconnects() {
      return reconnects;
    },
    commandLines: () => calls.flatMap((call) => (call.kind === 'exec' ? [call.commandLine] : [])),
    on(match, respond, times = Number.POSITIVE_INFINITY) {
      rules.push({ match, respond, left: times });
      return session;
    },
    dropConnection() {
      lost = true;
    },
    async exec(command: RemoteCommand, execOptions: ExecOptions = {}): Promise<ExecResult> {
      const commandLine = buildCommandLine(command);
      calls.push({ kind: 'exec', command, commandLine });
      const base = {
        host: target.name,
        command: commandLine,
        durationMs: 0,
        stdout: '',
        stderr: '',
        signal: null,
        timedOut: false,
        aborted: false,
        connectionLost: false,
      };
      if (execOptions.signal?.aborted) return { ...base, ok: false, exitCode: null, aborted: true, error: 'cancelled before it started' };
      if (lost) return { ...base, ok: false, exitCode: null, connectionLost: true, error: `not connected to ${target.name}` };
      const rule = findRule(command, commandLine);
      if (rule) rule.left--;
      const fallback = options.fallback ?? { exitCode: 127, stderr: `fake: no scripted response for: ${commandLine}\n` };
      const response = rule ? await (typeof rule.respond === 'function' ? rule.respond(command, commandLine) : rule.respond) : fallback;
      if (execOptions.signal?.aborted) return { ...base, ok: false, exitCode: null, aborted: true, error: 'cancelled' };
      const exitCode = response.exitCode === undefined ? 0 : response.exitCode;
      const result = { ...base, ...response, exitCode, signal: response.signal ?? null };
      return { ...result, ok: exitCode === 0 && !result.timedOut && !result.connectionLost };
    },
    async upload(request: UploadRequest): Promise<UploadResult> {
      calls.push({ kind: 'upload', request });
      const base = {
        host: target.name,
        localPath: request.localPath,
        remotePath: request.remotePath,
        bytes: 0,
        durationMs: 0,
        timedOut: false,
        aborted: false,
        connectionLost: false,
      };
      if (request.signal?.aborted) return { ...base, ok: false, aborted: true, error: 'cancelled before it started' };
      if (lost) return { ...base, ok: false, connectionLost: true, error: `not connected to ${target.name}` };
      return { ...base, ok: true, ...options.upload?.(request) };
    },
    async forward(host: string, port: number): Promise<ForwardResult> {
      if (lost) return { ok: false, connectionLost: true, error: `not connected to ${target.name}` };
      return options.forward ? options.forward(host, port) : { ok: false, connectionLost: false, error: 'fake: no forwarding' };
    },
    async reconnect() {
      if (closed) throw new ReleaseError('INTERNAL', `reconnect() on the closed session of ${target.name}`);
      lost = false;
      reconnects++;
    },
    async close() {
      closed = true;
    },
  };
  return session;
}

function isMatch(match: FakeMatch, command: RemoteCommand, commandLine: string): boolean {
  if (match instanceof RegExp) return match.test(commandLine);
  if (typeof match === 'function') return match(command, commandLine);
  return 'argv' in command && match.every((word, index) => command.argv[index] === word);
}

/**
 * A Transport over fake sessions: `sessionFor` returns the session for a target, or a
 * ReleaseError to fail its connect (e.g. HOST_KEY_UNKNOWN).
 */
export function createFakeTransport(sessionFor: (target: HostTarget) => HostSession | ReleaseError): Transport & { readonly connected: HostTarget[] } {
  const connected: HostTarget[] = [];
  const connect = async (target: HostTarget): Promise<HostSession> => {
    const outcome = sessionFor(target);
    if (outcome instanceof ReleaseError) throw outcome;
    connected.push(target);
    return outcome;
  };
  return { connected, connect, open: (targets, options) => openSessions(connect, targets, options), close: async () => {} };
}
