// THE dry-run chokepoint: read-only commands run for real, everything that changes a host is
// reported instead. Every command is a write unless it says `mutates: false`.
import { buildCommandLine } from './command.ts';
import type { ExecOptions, ExecResult, HostSession, RemoteCommand, Transport, UploadRequest, UploadResult } from './types.ts';

export type DryRunReport =
  | { readonly kind: 'exec'; readonly host: string; readonly command: RemoteCommand; readonly commandLine: string }
  | { readonly kind: 'upload'; readonly host: string; readonly localPath: string; readonly remotePath: string; readonly mode?: number };

export interface DryRunReporter {
  report(report: DryRunReport): void;
}

/** A session that never runs a mutating command nor uploads; it reports them and answers ok. */
export function dryRunSession(session: HostSession, reporter: DryRunReporter): HostSession {
  const host = session.target.name;
  return {
    target: session.target,
    get connected() {
      return session.connected;
    },
    async exec(command: RemoteCommand, options?: ExecOptions): Promise<ExecResult> {
      if (command.mutates === false) return session.exec(command, options);
      const commandLine = buildCommandLine(command);
      reporter.report({ kind: 'exec', host, command, commandLine });
      return {
        host,
        command: commandLine,
        ok: true,
        exitCode: 0,
        signal: null,
        timedOut: false,
        aborted: false,
        connectionLost: false,
        stdout: '',
        stderr: '',
        durationMs: 0,
        dryRun: true,
      };
    },
    async upload(request: UploadRequest): Promise<UploadResult> {
      const { localPath, remotePath, mode } = request;
      reporter.report({ kind: 'upload', host, localPath, remotePath, ...(mode === undefined ? {} : { mode }) });
      return { host, localPath, remotePath, ok: true, bytes: 0, durationMs: 0, timedOut: false, aborted: false, connectionLost: false, dryRun: true };
    },
    // A forward changes nothing on the host (a dry run's smoke checks are reported, never sent).
    forward: (host, port, options) => session.forward(host, port, options),
    reconnect: (options) => session.reconnect(options),
    close: () => session.close(),
  };
}

/** The same decorator over every session a transport hands out. */
export function dryRunTransport(transport: Transport, reporter: DryRunReporter): Transport {
  return {
    connect: async (target, options) => dryRunSession(await transport.connect(target, options), reporter),
    open: async (targets, options) => {
      const opened = await transport.open(targets, options);
      const sessions = new Map([...opened.sessions].map(([name, session]) => [name, dryRunSession(session, reporter)] as const));
      return { sessions, failures: opened.failures };
    },
    close: () => transport.close(),
  };
}
