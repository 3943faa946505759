// A session that reopens its connection before the next command after a loss. The command that
// was in flight when the connection dropped is NOT repeated: its result says connectionLost, and
// the caller checks what happened (re-reading the tables, or rolling back) before going on.
import type { ExecOptions, ExecResult, ForwardResult, HostSession, RemoteCommand, UploadRequest, UploadResult } from './types.ts';

export interface ReconnectOptions {
  attempts: number;
  delayMs: number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  onReconnect?(host: string, attempt: number, error?: unknown): void;
}

export function reconnectingSession(session: HostSession, options: ReconnectOptions): HostSession {
  let reconnecting: Promise<void> | undefined;
  const ensure = async (signal?: AbortSignal): Promise<unknown> => {
    if (session.connected) return undefined;
    reconnecting ??= (async () => {
      let lastError: unknown;
      for (let attempt = 1; attempt <= options.attempts; attempt++) {
        try {
          await session.reconnect(signal ? { signal } : {});
          options.onReconnect?.(session.target.name, attempt);
          return;
        } catch (error) {
          lastError = error;
          options.onReconnect?.(session.target.name, attempt, error);
          if (attempt < options.attempts) await options.sleep(options.delayMs * attempt, signal);
        }
      }
      throw lastError;
    })().finally(() => {
      reconnecting = undefined;
    });
    try {
      await reconnecting;
      return undefined;
    } catch (error) {
      return error;
    }
  };
  const lost = (command: string, error: unknown): ExecResult => ({
    host: session.target.name,
    command,
    ok: false,
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    connectionLost: true,
    stdout: '',
    stderr: '',
    durationMs: 0,
    error: `cannot reconnect to ${session.target.name}: ${error instanceof Error ? error.message : String(error)}`,
  });
  return {
    target: session.target,
    get connected() {
      return session.connected;
    },
    async exec(command: RemoteCommand, execOptions?: ExecOptions) {
      const error = await ensure(execOptions?.signal);
      if (error) return lost(command.label ?? ('argv' in command ? command.argv.join(' ') : 'script'), error);
      const result = await session.exec(command, execOptions);
      // A command that could not start because the connection was going away is a lost one.
      return !result.ok && result.exitCode === null && !result.timedOut && !result.aborted && !session.connected ? { ...result, connectionLost: true } : result;
    },
    async upload(request: UploadRequest): Promise<UploadResult> {
      const error = await ensure(request.signal);
      if (error) {
        return {
          host: session.target.name,
          localPath: request.localPath,
          remotePath: request.remotePath,
          ok: false,
          bytes: 0,
          durationMs: 0,
          timedOut: false,
          aborted: false,
          connectionLost: true,
          error: String(error),
        };
      }
      return session.upload(request);
    },
    async forward(host: string, port: number, forwardOptions?: ExecOptions): Promise<ForwardResult> {
      const error = await ensure(forwardOptions?.signal);
      if (error)
        return {
          ok: false,
          connectionLost: true,
          error: `cannot reconnect to ${session.target.name}: ${error instanceof Error ? error.message : String(error)}`,
        };
      return session.forward(host, port, forwardOptions);
    },
    reconnect: (o) => session.reconnect(o),
    close: () => session.close(),
  };
}
