// Running one RemoteCommand on a connection: output, exit status, timeout, abort, loss, as a value.
import type { ClientChannel } from 'ssh2';
import { buildCommandLine } from './command.ts';
import { isNotConnected, type Connection } from './connection.ts';
import { buildTaggedCommandLine, reapTagged, sendKillSignal } from './remote-kill.ts';
import type { ExecOptions, ExecResult, RemoteCommand } from './types.ts';

export interface ExecDeps {
  readonly connection: Connection;
  /** The target's name, for the result. */
  readonly host: string;
  readonly now: () => number;
  /** A fresh hex tag per command, to find its processes when killing it. */
  readonly newTag: () => string;
  /** Bound on the kill command after a timeout or abort. */
  readonly killTimeoutMs: number;
}

type Outcome = Pick<ExecResult, 'exitCode' | 'signal' | 'timedOut' | 'aborted' | 'connectionLost'> & { error?: string };

export function execOnConnection(deps: ExecDeps, command: RemoteCommand, options: ExecOptions = {}): Promise<ExecResult> {
  const started = deps.now();
  const commandLine = buildCommandLine(command);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const result = (outcome: Outcome): ExecResult => {
    const { error, ...rest } = outcome;
    const ok = rest.exitCode === 0 && !rest.timedOut && !rest.aborted && !rest.connectionLost;
    return {
      host: deps.host,
      command: commandLine,
      ok,
      ...rest,
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
      durationMs: Math.round(deps.now() - started),
      ...(error === undefined ? {} : { error }),
    };
  };
  const none = { exitCode: null, signal: null, timedOut: false, aborted: false, connectionLost: false } as const;
  const { connection, host } = deps;
  if (options.signal?.aborted) return Promise.resolve(result({ ...none, aborted: true, error: 'cancelled before it started' }));
  if (connection.lost) return Promise.resolve(result({ ...none, connectionLost: true, error: `not connected to ${host} (reconnect first)` }));

  const tag = deps.newTag();
  return new Promise<ExecResult>((resolve) => {
    let channel: ClientChannel | undefined;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let stopping: 'timeout' | 'abort' | undefined;
    let settled = false;
    const settle = (outcome: Partial<Outcome>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      offLost();
      resolve(result({ ...none, exitCode, signal: exitSignal, ...outcome }));
    };
    // Kill (SSH signal, then the tag reaper), close the channel, and only then report.
    const stop = (reason: 'timeout' | 'abort') => {
      if (settled || stopping) return;
      stopping = reason;
      const flags = reason === 'timeout' ? { timedOut: true } : { aborted: true };
      const why = reason === 'timeout' ? `timed out after ${command.timeoutMs} ms` : 'cancelled';
      if (channel) sendKillSignal(channel);
      channel?.close();
      const report = (problem: string | undefined) => settle({ ...flags, error: problem ? `${why}; the remote process may still run: ${problem}` : why });
      // reapTagged resolves with its problem; should it ever reject, the exec must still settle, not hang.
      reapTagged(connection.client, tag, { timeoutMs: deps.killTimeoutMs }).then(report, (error: unknown) =>
        report(`the kill command failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    };
    const onAbort = () => stop('abort');
    const timer = command.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), command.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const offLost = connection.onLost(() => {
      // An exit status already received means the outcome is known despite the loss.
      if (exitCode !== null || exitSignal !== null) settle({});
      else
        settle({ connectionLost: true, ...(stopping ? { [stopping === 'timeout' ? 'timedOut' : 'aborted']: true } : {}), error: `connection to ${host} lost` });
    });
    try {
      connection.client.exec(buildTaggedCommandLine(commandLine, tag), (error, opened) => {
        // NOTE: "Not connected" means the connection is gone though 'close' has not come yet:
        // the command never started; mark it lost so the session reconnects before the next one.
        if (isNotConnected(error)) connection.markLost();
        if (error)
          return settle(connection.lost ? { connectionLost: true, error: `connection to ${host} lost` } : { error: `could not start: ${error.message}` });
        channel = opened;
        if (stopping || settled) {
          sendKillSignal(opened);
          opened.close();
          // The earlier reaper may have run before this process existed.
          void reapTagged(connection.client, tag, { timeoutMs: deps.killTimeoutMs });
          return;
        }
        opened.on('data', (chunk: Buffer) => stdout.push(chunk));
        opened.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        opened.on('exit', (code: number | null, signalName?: string) => {
          exitCode = code;
          exitSignal = signalName ?? null;
        });
        opened.on('close', () => {
          if (stopping) return;
          settle(exitCode === null && exitSignal === null ? { error: 'the channel closed without an exit status' } : {});
        });
        opened.end(command.stdin);
      });
    } catch (error) {
      if (isNotConnected(error)) connection.markLost();
      settle(
        connection.lost
          ? { connectionLost: true, error: `connection to ${host} lost` }
          : { error: `could not start: ${error instanceof Error ? error.message : String(error)}` },
      );
    }
  });
}
