// Puts the lab's tools on the hosts' PATH and starts the bridge they call: one executable per
// tool in `toolsDir` (the bash /dev/tcp shim where bash exists, else the Node client), `sudo`,
// and the `cat` wrapper that sends /proc reads to the lab and everything else to the real cat.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildShShim, startShBridge } from './sh-bridge.ts';
import { buildBridgeShim, buildProcCatShim, TOOL_CLIENT_PATH, writeToolShims } from './shims.ts';
import { startToolServer, type ToolHandler, type ToolSpec } from './tool-server.ts';

export interface LabTools {
  /** What every lab host's commands get in their environment (LAB_SOCKET, LAB_HOST, LAB_TOOLS_PORT). */
  env(host: string): Record<string, string>;
  stop(): Promise<void>;
}

// NOTE: a Unix socket path holds at most 107 bytes; lab dirs can be deep, so keep it in tmpdir.
function socketPath(): string {
  return join(tmpdir(), `lvs-lab-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
}

const CAT_BRIDGE = '.lab-cat';

/**
 * Writes the tools (`names` reach `handlers` by name, looked up per call) and starts the bridge;
 * with `procCat`, the `cat` wrapper whose /proc reads reach the `cat` handler.
 */
export async function installLabTools(options: {
  toolsDir: string;
  names: readonly string[];
  handlers: Record<string, ToolHandler | ToolSpec>;
  procCat?: boolean;
}): Promise<LabTools> {
  const { toolsDir, handlers } = options;
  await writeToolShims(toolsDir, [...options.names, 'sudo']);
  const tools = await startToolServer({ socketPath: socketPath(), handlers });
  // Where bash is available, the tools use the cheap /dev/tcp bridge instead of starting Node.
  const shBridge = existsSync('/bin/bash') ? await startShBridge(handlers) : undefined;
  const shimFor = (tool: string) => (shBridge ? buildShShim(tool) : buildBridgeShim(tool, process.execPath, TOOL_CLIENT_PATH));
  if (shBridge) for (const name of options.names) await writeFile(join(toolsDir, name), shimFor(name), { mode: 0o755 });
  if (options.procCat) {
    const realCat = ['/bin/cat', '/usr/bin/cat'].find((p) => existsSync(p)) ?? '/bin/cat';
    await writeFile(join(toolsDir, CAT_BRIDGE), shimFor('cat'), { mode: 0o755 });
    await writeFile(join(toolsDir, 'cat'), buildProcCatShim(join(toolsDir, CAT_BRIDGE), realCat), { mode: 0o755 });
  }
  return {
    env: (host) => ({ LAB_SOCKET: tools.socketPath, LAB_HOST: host, ...(shBridge ? { LAB_TOOLS_PORT: String(shBridge.port) } : {}) }),
    async stop() {
      await shBridge?.stop();
      await tools.stop();
    },
  };
}
