// `process_options` (ipvsadm.c): parse, check the options against the command, apply the
// -A/-E and -a/-e rules (default scheduler, zero port, DR/TUN port forcing), then run the
// command. Kernel failures print `ipvs_strerror` and give -1 (exit 255); usage errors exit 2.
import type { CommandEntry } from './entry.ts';
import { ipvsStrerror } from './errno.ts';
import type { IpvsFunc, KernelResult } from './errno.ts';
import { fail } from './io.ts';
import type { Halt, Io } from './io.ts';
import { runList, runSave } from './listing.ts';
import { genericOptCheck, tunnelOptCheck } from './opt-check.ts';
import type { OptName } from './option-table.ts';
import { parseOptions } from './parse-options.ts';
import { destSettingsOf, serviceKeyOf, serviceSettingsOf } from './settings.ts';
import type { IpvsState } from './state.ts';

export interface ProgramContext {
  io: Io;
  state: IpvsState;
  /** What -R reads: the whole of stdin. */
  stdin: string;
  /** Inside -R: a nested -R is refused (ipvsadm's guard against an endless loop). */
  readingStdin: boolean;
}

/** Runs `-R` (restore.ts supplies it; injected to keep the two files acyclic). */
export type RestoreRunner = (ctx: ProgramContext) => Halt | number;

const TUNNEL_OPTIONS: readonly OptName[] = ['tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'];

// The -A/-E and -a/-e rules applied between the option check and the kernel call.
function commandRules(io: Io, entry: CommandEntry): Halt | undefined {
  const { svc, dest } = entry;
  if (entry.cmd === 'add-service' || entry.cmd === 'edit-service') {
    if (!svc.fwmark && !svc.port && svc.persistent === undefined) return fail(io, 2, 'Zero port specified for non-persistent service');
    if (svc.ops && !svc.fwmark && svc.protocol !== 'udp') return fail(io, 2, 'One-Packet Scheduling is only for UDP virtual services');
    if (!svc.scheduler) svc.scheduler = 'wlc';
  }
  if (entry.cmd === 'start-daemon' && !entry.daemon.mcastInterface) entry.daemon.mcastInterface = 'eth0';
  if (entry.cmd === 'add-server' || entry.cmd === 'edit-server') {
    // NOTE: DR and TUN dests take the service port (ipvsadm.c:1051); -d keeps the given one.
    if (!svc.fwmark && (dest.forward === 'Tunnel' || dest.forward === 'Route')) dest.port = svc.port;
    if (dest.family !== svc.family && dest.forward !== 'Tunnel') {
      return fail(io, 2, 'Different address family is allowed only for tunneling servers');
    }
    if (TUNNEL_OPTIONS.some((o) => entry.options.has(o)) && dest.forward !== 'Tunnel') {
      return fail(io, 2, 'Tunnel options conflict with forward method');
    }
    return tunnelOptCheck(io, entry);
  }
  return undefined;
}

// The kernel call of a mutating command, and the libipvs function its errors are reported for.
function kernelCall(state: IpvsState, entry: CommandEntry): { func: IpvsFunc; result: KernelResult } {
  const key = () => serviceKeyOf(entry);
  switch (entry.cmd) {
    case 'add-service':
      return { func: 'add_service', result: state.addService(serviceSettingsOf(entry)) };
    case 'edit-service':
      return { func: 'update_service', result: state.editService(serviceSettingsOf(entry)) };
    case 'delete-service':
      return { func: 'del_service', result: state.deleteService(key()) };
    case 'add-server':
      return { func: 'add_dest', result: state.addDest(key(), destSettingsOf(entry)) };
    case 'edit-server':
      return { func: 'update_dest', result: state.editDest(key(), destSettingsOf(entry)) };
    case 'delete-server': {
      const d = destSettingsOf(entry);
      return { func: 'del_dest', result: state.deleteDest(key(), { family: d.family, address: d.address, port: d.port }) };
    }
    case 'zero':
      return { func: 'zero_service', result: state.zero(entry.options.has('service-address') ? key() : undefined) };
    case 'set':
      return { func: 'set_timeout', result: state.setTimeouts(entry.timeouts) };
    case 'start-daemon': {
      const d = entry.daemon;
      const daemon = {
        state: d.state ?? 'master',
        mcastInterface: d.mcastInterface,
        syncId: d.syncId,
        maxLen: d.maxLen || 1472,
        group: d.group ?? '224.0.0.81',
        port: d.port || 8848,
        ttl: d.ttl || 1,
      };
      return { func: 'start_daemon', result: state.startDaemon(daemon) };
    }
    case 'stop-daemon':
      return { func: 'stop_daemon', result: state.stopDaemon(entry.daemon.state ?? 'master') };
    case 'flush':
      return { func: 'flush', result: state.flush() };
    default:
      throw new Error(`ipvsadm: ${entry.cmd} is not a kernel command`);
  }
}

/** One ipvsadm invocation (or one -R line): a Halt, or the status `process_options` returns. */
export function processOptions(argv: readonly string[], ctx: ProgramContext, restore: RestoreRunner): Halt | number {
  const { io, state } = ctx;
  const parsed = parseOptions(argv, io, state.version);
  if ('kind' in parsed) return parsed.kind === 'halt' ? parsed : -1;
  const entry = parsed;
  const stop = genericOptCheck(io, entry) ?? commandRules(io, entry);
  if (stop) return stop;

  if (entry.cmd === 'list') return runList(io, state, entry);
  if (entry.cmd === 'save') return runSave(io, state, entry);
  if (entry.cmd === 'restore') return restore(ctx);

  const { func, result } = kernelCall(state, entry);
  if (result.ok) return 0;
  io.stderr.push(`${ipvsStrerror(func, result.errno, { legacyWording: state.legacyWording })}\n`);
  return -1;
}
