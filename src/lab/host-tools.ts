// The lab hosts' network tools, answered from the lab's live state through the tool bridge:
// `ip` and `sysctl` (the host's addresses and kernel settings), `ss` (the app's real TCP
// connections, shown as the real server sees them: peers are the clients behind the VIP, and in
// DR the local end is the VIP), `curl` (routed as the host's kernel would), and `cat` of
// /proc/sys/... and /proc/net/ip_vs_conn (the `cat` shim sends only those here).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { renderProcConn } from '../ipvs/conn.ts';
import type { App } from './app/app.ts';
import type { LabDirector } from './director.ts';
import type { LabNet } from './net/lab-net.ts';
import type { Vip } from './net/vip.ts';
import { runCurl, type CurlRoute } from './tools/curl-tool.ts';
import { runIp } from './tools/ip-tool.ts';
import { runSs, type SsSocket } from './tools/ss-tool.ts';
import { readProcSys, runSysctl } from './tools/sysctl-tool.ts';
import type { ToolHandler, ToolRequest, ToolResult } from './tools/tool-server.ts';

export interface HostToolsContext {
  net: LabNet;
  vip: () => Vip;
  appOf: (host: string) => App | undefined;
  directorOf: (host: string) => LabDirector | undefined;
}

export const HOST_TOOLS = ['ip', 'sysctl', 'ss', 'curl', 'cat'] as const;

const notHere = (tool: string, host: string): ToolResult => ({ stderr: `${tool}: no lab host ${JSON.stringify(host)}\n`, exitCode: 127 });

/** The TCP sockets of a host's app, as `ss` on that host lists them. */
export function hostSockets(ctx: HostToolsContext, host: string): SsSocket[] {
  const app = ctx.appOf(host);
  if (!app) return [];
  const { listening, connections } = app.sockets();
  const vip = ctx.vip();
  const viaVip = new Map(
    vip
      .flows()
      .filter((f) => f.backendLocal !== undefined)
      .map((f) => [`${f.backendLocal?.address}:${f.backendLocal?.port}`, f]),
  );
  const sockets: SsSocket[] = connections.map((c) => {
    const flow = viaVip.get(`${c.peer.address}:${c.peer.port}`);
    // NOTE: through the VIP, the server sees the client itself; in DR the packets are addressed to the VIP.
    const local = flow && ctx.net.forward === 'dr' ? { address: ctx.net.vipAddress, port: vip.port } : c.local;
    return { state: c.state, recvQ: 0, sendQ: c.pending, local, peer: flow ? { address: flow.client.address, port: flow.client.port } : c.peer };
  });
  if (listening)
    sockets.unshift({ state: 'LISTEN', recvQ: 0, sendQ: 511, local: { address: app.host, port: app.port }, peer: { address: '0.0.0.0', port: 0 } });
  return sockets;
}

/** Where `curl` on `host` connects: its own app for its own addresses (the VIP too while on lo). */
export function curlRoute(ctx: HostToolsContext, host: string, address: string, port: number): CurlRoute {
  const net = ctx.net.host(host);
  const app = ctx.appOf(host);
  const local = (): CurlRoute => (app && port === app.port && app.status().running ? { connect: { host: app.host, port: app.port } } : { refused: true });
  if (address === ctx.net.vipAddress) {
    // A local address is delivered locally, as the kernel does; otherwise the VIP is on the director.
    if (ctx.net.serverHoldsVip(host)) return local();
    return { connect: { host: ctx.vip().host, port } };
  }
  const own = net?.someAddress((_, a) => a.address === address && a.scope !== 'host') ?? false;
  // DR apps listen on their own address only; a real one listening on *:80 answers 127.0.0.1 too.
  if (own || (address === '127.0.0.1' && ctx.net.forward === 'dr' && app !== undefined)) return local();
  return { connect: { host: address, port } };
}

async function catFiles(ctx: HostToolsContext, req: ToolRequest): Promise<ToolResult> {
  if (req.argv.some((a) => a.startsWith('-') && a !== '-' && a !== '--')) {
    return { stderr: 'cat (lab): options are not supported together with /proc paths\n', exitCode: 1 };
  }
  const net = ctx.net.host(req.host);
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const missing = (path: string) => {
    stderr += `cat: ${path}: No such file or directory\n`;
    exitCode = 1;
  };
  for (const path of req.argv.filter((a) => a !== '--')) {
    if (path.startsWith('/proc/sys/')) {
      const value = net ? readProcSys(net, path) : undefined;
      if (value === undefined) missing(path);
      else stdout += `${value}\n`;
    } else if (path.startsWith('/proc/net/ip_vs')) {
      const director = ctx.directorOf(req.host);
      if (path === '/proc/net/ip_vs_conn' && director) stdout += renderProcConn(director.state.connections());
      else missing(path);
    } else {
      try {
        stdout += await readFile(resolve(req.cwd, path), 'utf8');
      } catch {
        missing(path);
      }
    }
  }
  return { stdout, stderr, exitCode };
}

export function createHostToolHandlers(ctx: HostToolsContext): Record<(typeof HOST_TOOLS)[number], ToolHandler> {
  return {
    ip: async ({ host, argv }) => {
      const net = ctx.net.host(host);
      return net ? runIp(net, argv) : notHere('ip', host);
    },
    sysctl: async ({ host, argv }) => {
      const net = ctx.net.host(host);
      return net ? runSysctl(net, argv) : notHere('sysctl', host);
    },
    ss: async ({ host, argv }) => (ctx.net.host(host) ? runSs(hostSockets(ctx, host), argv) : notHere('ss', host)),
    curl: async ({ host, argv, cwd }) =>
      ctx.net.host(host) ? runCurl(argv, { cwd, route: (address, port) => curlRoute(ctx, host, address, port) }) : notHere('curl', host),
    cat: (req) => catFiles(ctx, req),
  };
}
