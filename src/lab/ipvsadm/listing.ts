// The read-only commands: `-L` in all its forms (`list_all`, `list_service`, `list_conn`,
// `list_timeout`, `list_daemon`) and `-S` (`list_all` with FMT_RULE), using src/ipvs renderers.
// NOTE: the lab has no resolver, so `-L`/`-S` without `-n` print numbers too.
import { renderConnList } from '../../ipvs/conn.ts';
import { sameServiceKey } from '../../ipvs/address.ts';
import { renderIpvsList } from '../../ipvs/list-render.ts';
import { renderTimeouts } from '../../ipvs/misc.ts';
import type { ListMode, ServiceKey } from '../../ipvs/model.ts';
import { renderSave } from '../../ipvs/save.ts';
import type { CommandEntry, ListFormat } from './entry.ts';
import { ipvsStrerror } from './errno.ts';
import { fail, halt } from './io.ts';
import type { Halt, Io } from './io.ts';
import type { OptName } from './option-table.ts';
import { serviceKeyOf } from './settings.ts';
import type { IpvsState } from './state.ts';
import { renderTunInfoList } from './tun-info.ts';
import type { SyncDaemon } from './types.ts';

/** The listing variant `print_title` picks: stats, rate, thresholds, persistent-conn, tun-info, plain. */
function listMode(format: ListFormat): ListMode | 'tun-info' {
  if (format.stats) return 'stats';
  if (format.rate) return 'rate';
  if (format.thresholds) return 'thresholds';
  if (format.persistentConn) return 'persistent-conn';
  return format.tunInfo ? 'tun-info' : 'default';
}

/** `list_daemon`'s line, with the parts a Linux >= 4.3 kernel reports. */
export function renderDaemonLine(d: SyncDaemon): string {
  return `${d.state} sync daemon (mcast=${d.mcastInterface}, syncid=${d.syncId}, maxlen=${d.maxLen}, group=${d.group}, port=${d.port}, ttl=${d.ttl})\n`;
}

// The table listings (all services, or the one -t/-u/-f names).
function listTable(io: Io, state: IpvsState, entry: CommandEntry, single: boolean): Halt | number {
  const mode = listMode(entry.format);
  const table = state.table();
  const nosort = entry.format.nosort;
  const render = (service?: ServiceKey) =>
    mode === 'tun-info'
      ? renderTunInfoList(table, { nosort, ...(service ? { service } : {}) })
      : renderIpvsList(table, { mode, exact: entry.format.exact, nosort, ...(service ? { service } : {}) });
  if (!single) {
    io.stdout.push(render());
    return 0;
  }
  const key = serviceKeyOf(entry);
  if (!table.services.some((s) => sameServiceKey(s.key, key))) {
    io.stderr.push(`${ipvsStrerror('get_service', 'ESRCH', { legacyWording: state.legacyWording })}\n`);
    return halt(1);
  }
  io.stdout.push(render(key));
  return 0;
}

/** `-L`/`-l` after the option checks: pick the listing like `process_options` does. */
export function runList(io: Io, state: IpvsState, entry: CommandEntry): Halt | number {
  const has = (name: OptName) => entry.options.has(name);
  const detail = has('stats') || has('rate') || has('thresholds');
  if (((has('connection') || has('timeout') || has('daemon')) && detail) || ((has('timeout') || has('daemon')) && has('persistent-conn'))) {
    return fail(io, 2, 'options conflicts in the list command');
  }
  if (has('connection')) {
    io.stdout.push(renderConnList(state.connections(), { persistentConn: entry.format.persistentConn }));
    return 0;
  }
  if (has('service-address')) return listTable(io, state, entry, true);
  if (has('timeout')) {
    io.stdout.push(renderTimeouts(state.timeouts()));
    return 0;
  }
  if (has('daemon')) {
    io.stdout.push(state.daemons().map(renderDaemonLine).join(''));
    return 0;
  }
  return listTable(io, state, entry, false);
}

/** `-S`: the rules, sorted unless `--nosort`. */
export function runSave(io: Io, state: IpvsState, entry: CommandEntry): number {
  io.stdout.push(renderSave(state.table().services, { nosort: entry.format.nosort }));
  return 0;
}
