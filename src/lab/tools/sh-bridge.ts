// A cheaper way for lab tools to reach the lab: a bash shim that talks over /dev/tcp to a
// loopback port, instead of starting Node for every call (~2 ms of CPU instead of ~40 ms, which
// matters when a release polls ipvsadm on two directors many times a second). Same handlers.
//   → CALL <tool> <host> <base64 cwd> <base64 NUL-separated argv>\n
//   ← STDIN\n                                   (only when the tool reads stdin)
//   → <base64 stdin>\n
//   ← SCRIPT\n<shell that prints stdout and stderr, then exits with the status>
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { shellQuote } from '../../shell/quote.ts';
import type { ToolHandler, ToolResult, ToolSpec } from './tool-server.ts';

export interface ShBridge {
  port: number;
  stop(): Promise<void>;
}

const specOf = (entry: ToolHandler | ToolSpec): ToolSpec => (typeof entry === 'function' ? { run: entry } : entry);
const decode = (b64: string) => Buffer.from(b64, 'base64');

/** The shell the shim evals: output printed exactly (single-quoted bytes), then the exit status. */
export function resultScript(result: ToolResult): string {
  const text = (data: string | Buffer | undefined) => (data === undefined ? '' : Buffer.isBuffer(data) ? data.toString('utf8') : data);
  const out = text(result.stdout);
  const err = text(result.stderr);
  return [out ? `printf '%s' ${shellQuote(out)}` : '', err ? `printf '%s' ${shellQuote(err)} >&2` : '', `exit ${result.exitCode}`].filter(Boolean).join('\n');
}

export function buildShShim(name: string): string {
  return `#!/bin/bash
# lab tool "${name}": forwards to the lab process over TCP (LAB_TOOLS_PORT); see sh-bridge.ts
exec 3<>"/dev/tcp/127.0.0.1/\${LAB_TOOLS_PORT:?lab tools run only inside the lab}" || exit 255
if [ $# -gt 0 ]; then args=$(printf '%s\\0' "$@" | base64 -w0); else args=-; fi
cwd=$(printf '%s' "$PWD" | base64 -w0)
printf 'CALL %s %s %s %s\\n' ${name} "\${LAB_HOST:--}" "\${cwd:--}" "$args" >&3
IFS= read -r first <&3
if [ "$first" = STDIN ]; then
  { base64 -w0; echo; } >&3
  IFS= read -r first <&3
fi
[ "$first" = SCRIPT ] || { echo "${name}: the lab did not answer" >&2; exit 255; }
eval "$(command -p cat <&3)"
`;
}

export async function startShBridge(handlers: Record<string, ToolHandler | ToolSpec>): Promise<ShBridge> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    let stage: 'call' | 'stdin' | 'done' = 'call';
    let call: { tool: string; host: string; cwd: string; argv: string[] } | undefined;
    let spec: ToolSpec | undefined;
    const run = async (stdin: Buffer) => {
      stage = 'done';
      let result: ToolResult;
      if (!call || !spec) result = { stderr: `${call?.tool ?? '?'}: not a lab tool\n`, exitCode: 127 };
      else {
        try {
          result = await spec.run({ tool: call.tool, host: call.host, argv: call.argv, cwd: call.cwd, stdin });
        } catch (error) {
          result = { stderr: `${call.tool}: lab internal error: ${(error as Error).message}\n`, exitCode: 70 };
        }
      }
      socket.end(`SCRIPT\n${resultScript(result)}\n`);
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0 && stage !== 'done'; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (stage === 'call') {
          const [word, tool = '', host = '-', cwd = '-', args = '-'] = line.split(' ');
          if (word !== 'CALL') return void socket.destroy();
          const argv = args === '-' ? [] : decode(args).toString('utf8').split('\0').slice(0, -1);
          call = { tool, host: host === '-' ? '' : host, cwd: cwd === '-' ? '' : decode(cwd).toString('utf8'), argv };
          const entry = Object.hasOwn(handlers, tool) ? handlers[tool] : undefined;
          spec = entry === undefined ? undefined : specOf(entry);
          if (spec?.readsStdin?.(argv)) {
            stage = 'stdin';
            socket.write('STDIN\n');
          } else void run(Buffer.alloc(0));
        } else if (stage === 'stdin') {
          void run(decode(line.trim()));
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
