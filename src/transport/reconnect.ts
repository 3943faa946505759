// A session that reopens its connection before the next command after a loss. The command that
// was in flight when the connection dropped is NOT repeated: its result says connectionLost, and
// the caller checks what happened (re-reading the tables, or rolling back) before going on.
import { execNotRun, uploadNotRun } from './not-run.ts';
import type { ExecOptions, ForwardResult, HostSession, RemoteCommand, UploadRequest, UploadResult } from './types.ts';

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
  const why = (error: unknown) => `cannot reconnect to ${session.target.name}: ${error instanceof Error ? error.message : String(error)}`;
  return {
    target: session.target,
    get connected() {
      return session.connected;
    },
    async exec(command: RemoteCommand, execOptions?: ExecOptions) {
      const error = await ensure(execOptions?.signal);
      if (error)
        return execNotRun(session.target.name, command.label ?? ('argv' in command ? command.argv.join(' ') : 'script'), why(error), { connectionLost: true });
      const result = await session.exec(command, execOptions);
      // A command that could not start because the connection was going away is a lost one.
      return !result.ok && result.exitCode === null && !result.timedOut && !result.aborted && !session.connected ? { ...result, connectionLost: true } : result;
    },
    async upload(request: UploadRequest): Promise<UploadResult> {
      const error = await ensure(request.signal);
      if (error) return uploadNotRun(session.target.name, request, String(error), { connectionLost: true });
      return session.upload(request);
    },
    async forward(host: string, port: number, forwardOptions?: ExecOptions): Promise<ForwardResult> {
      const error = await ensure(forwardOptions?.signal);
      if (error) return { ok: false, connectionLost: true, error: why(error) };
      return session.forward(host, port, forwardOptions);
    },
    reconnect: (o) => session.reconnect(o),
    close: () => session.close(),
  };
}
