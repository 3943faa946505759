// Writes the lab's tools as executables: `sudo` is a real script, the rest forward to the lab.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ToolShimOptions {
  /** Node binary the shims run (default: this process's). */
  nodePath?: string;
  /** The bridge client (default: `client.mjs` beside this file). */
  clientPath?: string;
}

/** The bridge client shipped beside this module. */
export const TOOL_CLIENT_PATH = fileURLToPath(new URL('./client.mjs', import.meta.url));

// Single-quotes for /bin/sh; our own paths only, but a space or quote must not break the shim.
const sq = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** A shim that runs the bridge client for `name` with the caller's arguments. */
export function buildBridgeShim(name: string, nodePath: string, clientPath: string): string {
  return `#!/bin/sh\n# lab tool "${name}": forwards to the lab process over $LAB_SOCKET\nexec ${sq(nodePath)} ${sq(clientPath)} ${sq(name)} "$@"\n`;
}

// NOTE: the lab has no root; `sudo -n CMD ARGS` just runs CMD, so `ssh.sudo: true` paths still work.
export const SUDO_SHIM = `#!/bin/sh
# lab sudo: the lab has no root, so run the command as this user.
while [ $# -gt 0 ]; do
  case "$1" in
    -n|-H|-E|-S|-k) shift ;;
    -u|-g) shift 2 ;;
    --) shift; break ;;
    -*) echo "sudo: $1: option not supported by the lab's sudo" >&2; exit 1 ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "usage: sudo -n command [args...]" >&2
  exit 1
fi
exec "$@"
`;

/**
 * The lab's `cat`: a path under /proc/sys or /proc/net/ip_vs* is the host's lab state, so such a
 * call goes to `bridge` (a bridge shim for the lab's `cat` tool); every other call is `realCat`.
 */
export function buildProcCatShim(bridge: string, realCat: string): string {
  return `#!/bin/sh
# lab cat: /proc/sys/* and /proc/net/ip_vs* come from the lab's host state; the rest is ${realCat}.
for arg do
  case $arg in /proc/sys/*|/proc/net/ip_vs*) exec ${sq(bridge)} "$@" ;; esac
done
exec ${sq(realCat)} "$@"
`;
}

/** Writes one executable per name into `toolsDir` (created if missing); returns the paths. */
export async function writeToolShims(toolsDir: string, names: readonly string[], options: ToolShimOptions = {}): Promise<string[]> {
  const nodePath = options.nodePath ?? process.execPath;
  const clientPath = options.clientPath ?? TOOL_CLIENT_PATH;
  await mkdir(toolsDir, { recursive: true });
  return Promise.all(
    names.map(async (name) => {
      if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('-')) throw new Error(`bad lab tool name: ${name}`);
      const path = join(toolsDir, name);
      await writeFile(path, name === 'sudo' ? SUDO_SHIM : buildBridgeShim(name, nodePath, clientPath));
      await chmod(path, 0o755);
      return path;
    }),
  );
}
