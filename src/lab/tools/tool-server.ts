// The lab side of the tool bridge: answers tool calls from `client.mjs` on a Unix socket.
import { unlink } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';

export interface ToolRequest {
  tool: string;
  /** `$LAB_HOST` of the calling command: which lab host the tool runs on. */
  host: string;
  argv: string[];
  cwd: string;
  /** The command's stdin, for tools whose spec reads it; empty otherwise. */
  stdin: Buffer;
}

export interface ToolResult {
  stdout?: string | Buffer;
  stderr?: string | Buffer;
  exitCode: number;
}

export type ToolHandler = (req: ToolRequest) => Promise<ToolResult>;

/** A handler plus whether this call reads stdin (e.g. `ipvsadm -R`); stdin is never read otherwise. */
export interface ToolSpec {
  run: ToolHandler;
  readsStdin?: (argv: readonly string[]) => boolean;
}

export interface ToolServerOptions {
  socketPath: string;
  /** Looked up per call, so tools may be added to the record after start. */
  handlers: Record<string, ToolHandler | ToolSpec>;
}

export interface ToolServer {
  socketPath: string;
  stop(): Promise<void>;
}

// NOTE: sun_path holds 108 bytes on Linux; a longer path fails with an obscure EINVAL.
const MAX_SOCKET_PATH = 107;
const MAX_LINE_BYTES = 64 * 1024 * 1024;
const EXIT_UNKNOWN_TOOL = 127;
const EXIT_INTERNAL = 70;

interface CallMessage {
  type: 'call';
  tool: string;
  host: string;
  argv: string[];
  cwd: string;
}

const specOf = (entry: ToolHandler | ToolSpec): ToolSpec => (typeof entry === 'function' ? { run: entry } : entry);
const b64 = (data: string | Buffer | undefined): string => Buffer.from(data ?? '').toString('base64');

function isCall(value: unknown): value is CallMessage {
  const v = value as Partial<CallMessage> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.type === 'call' &&
    typeof v.tool === 'string' &&
    typeof v.host === 'string' &&
    typeof v.cwd === 'string' &&
    Array.isArray(v.argv) &&
    v.argv.every((a) => typeof a === 'string')
  );
}

// Splits a socket's bytes into JSON messages, one per line.
function onMessages(socket: Socket, handle: (message: unknown) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    if (buffered.length > MAX_LINE_BYTES) return void socket.destroy();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        handle(JSON.parse(line));
      } catch {
        socket.destroy();
        return;
      }
    }
  });
}

async function answer(call: CallMessage, spec: ToolSpec | undefined, stdin: Buffer): Promise<ToolResult> {
  if (!spec) return { stderr: `${call.tool}: not a lab tool\n`, exitCode: EXIT_UNKNOWN_TOOL };
  try {
    return await spec.run({ tool: call.tool, host: call.host, argv: call.argv, cwd: call.cwd, stdin });
  } catch (error) {
    return { stderr: `${call.tool}: lab internal error: ${(error as Error).message}\n`, exitCode: EXIT_INTERNAL };
  }
}

/** Listens on `socketPath` (a stale socket file is replaced) and serves tool calls. */
export async function startToolServer({ socketPath, handlers }: ToolServerOptions): Promise<ToolServer> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new Error(`tool socket path is too long for a Unix socket (${socketPath.length} > ${MAX_SOCKET_PATH}): ${socketPath}`);
  }
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let call: CallMessage | undefined;
    let spec: ToolSpec | undefined;
    let awaitingStdin = false;
    const reply = (result: ToolResult): void => {
      const message = { type: 'result', stdout: b64(result.stdout), stderr: b64(result.stderr), exitCode: result.exitCode };
      socket.end(`${JSON.stringify(message)}\n`);
    };
    onMessages(socket, (message) => {
      const m = message as { type?: unknown; data?: unknown };
      if (call === undefined && isCall(message)) {
        call = message;
        const entry = Object.hasOwn(handlers, call.tool) ? handlers[call.tool] : undefined;
        spec = entry === undefined ? undefined : specOf(entry);
        awaitingStdin = spec?.readsStdin?.(call.argv) ?? false;
        if (awaitingStdin) return void socket.write(`${JSON.stringify({ type: 'stdin' })}\n`);
        void answer(call, spec, Buffer.alloc(0)).then(reply);
      } else if (call !== undefined && awaitingStdin && m.type === 'stdin' && typeof m.data === 'string') {
        awaitingStdin = false;
        void answer(call, spec, Buffer.from(m.data, 'base64')).then(reply);
      } else {
        socket.destroy();
      }
    });
  });
  await unlink(socketPath).catch(() => undefined);
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(socketPath, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  return {
    socketPath,
    stop: async () => {
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await unlink(socketPath).catch(() => undefined);
    },
  };
}
