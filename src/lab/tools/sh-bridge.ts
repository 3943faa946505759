// A cheaper way for lab tools to reach the lab: a bash shim that talks over /dev/tcp to a
// loopback port, instead of starting Node for every call. Same handlers. Only bash builtins run on
// the common path (no base64 or cat processes): a call costs one bash, as a real tool costs one
// process, which matters when a director script runs one ipvsadm per server of a 50-server batch.
//   → CALL <tool> <host> <argc>\n<cwd>\0<arg1>\0...<argN>\0
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
printf 'CALL %s %s %d\\n' ${name} "\${LAB_HOST:--}" "$#" >&3
printf '%s\\0' "$PWD" "$@" >&3
IFS= read -r first <&3
if [ "$first" = STDIN ]; then
  { base64 -w0; echo; } >&3
  IFS= read -r first <&3
fi
[ "$first" = SCRIPT ] || { echo "${name}: the lab did not answer" >&2; exit 255; }
IFS= read -r -d '' script <&3
eval "$script"
`;
}

export async function startShBridge(handlers: Record<string, ToolHandler | ToolSpec>): Promise<ShBridge> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    let stage: 'call' | 'args' | 'stdin' | 'done' = 'call';
    let header: { tool: string; host: string; argc: number } | undefined;
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
    const step = (): void => {
      if (stage === 'call') {
        const nl = buffered.indexOf('\n');
        if (nl < 0) return;
        const [word, tool = '', host = '-', argc = ''] = buffered.slice(0, nl).split(' ');
        buffered = buffered.slice(nl + 1);
        if (word !== 'CALL' || !/^\d+$/.test(argc)) return void socket.destroy();
        header = { tool, host: host === '-' ? '' : host, argc: Number(argc) };
        stage = 'args';
      }
      if (stage === 'args' && header) {
        // cwd and every argument, each ended by NUL.
        const fields: string[] = [];
        let from = 0;
        for (let i = 0; i <= header.argc; i++) {
          const end = buffered.indexOf('\0', from);
          if (end < 0) return;
          fields.push(buffered.slice(from, end));
          from = end + 1;
        }
        buffered = buffered.slice(from);
        const [cwd = '', ...argv] = fields;
        call = { tool: header.tool, host: header.host, cwd, argv };
        const entry = Object.hasOwn(handlers, header.tool) ? handlers[header.tool] : undefined;
        spec = entry === undefined ? undefined : specOf(entry);
        if (spec?.readsStdin?.(argv)) {
          stage = 'stdin';
          socket.write('STDIN\n');
        } else void run(Buffer.alloc(0));
      }
      if (stage === 'stdin') {
        const nl = buffered.indexOf('\n');
        if (nl < 0) return;
        void run(decode(buffered.slice(0, nl).trim()));
      }
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      step();
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
