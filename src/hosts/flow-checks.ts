// The real servers' network checks inside a server's way through a batch (runner/flow.ts): after
// verify (a deploy can lose the lo VIP: a network restart, a bad config), after the rollback's
// verify, and the VIP path after the restore. Each emits a `host-check` event (what was checked,
// what could not be read) and answers ok or why not, naming the server and the fix.
import type { Emit } from '../events/types.ts';
import type { HostSession } from '../transport/types.ts';
import { readHostNet } from './read.ts';
import { checkRealServer } from './real-server.ts';
import type { HostCheckResult, ServedVip } from './types.ts';
import { checkVipPath, type VipPathOptions } from './vip-path.ts';

export type HostCheckOutcome = { ok: true } | { ok: false; error: string };

/** What the flow asks of the real servers' network (absent from a FlowContext: nothing is checked). */
export interface HostChecks {
  /** After verify (`verify`) or the rollback's verify (`rollback`): the VIP on lo and ARP, as at preflight. */
  network(server: { name: string; session: HostSession }, stage: 'verify' | 'rollback', signal: AbortSignal): Promise<HostCheckOutcome>;
  /** After the restore: one request through the VIP path only this server can answer. */
  vipPath(server: { name: string; session: HostSession }, signal: AbortSignal): Promise<HostCheckOutcome>;
}

export interface HostChecksOptions {
  /** The VIPs each DR/TUN server must hold (preflight's needs); servers not here are not checked. */
  vips: ReadonlyMap<string, readonly ServedVip[]>;
  /** Per server: the path and Host header of the VIP-path request. */
  vipPathOptions: (server: string) => VipPathOptions;
  emit: Emit;
}

function outcome(result: HostCheckResult, stage: 'verify' | 'rollback' | 'vip-path', emit: Emit): HostCheckOutcome {
  const ok = result.problems.length === 0;
  emit({
    type: 'host-check',
    stage,
    ok,
    host: result.host,
    role: result.role,
    checked: result.checked,
    ...(result.skipped.length > 0 ? { skipped: result.skipped } : {}),
    ...(ok ? {} : { problems: result.problems.map((p) => p.message) }),
  });
  if (ok) return { ok: true };
  return { ok: false, error: result.problems.map((p) => `${p.message} (fix: ${p.fix})`).join('; ') };
}

export function createHostChecks(options: HostChecksOptions): HostChecks {
  return {
    async network(server, stage, signal) {
      const vips = options.vips.get(server.name);
      if (!vips || vips.length === 0) return { ok: true };
      const facts = await readHostNet(server.session, { arpFor: vips.map((v) => v.address), signal });
      return outcome(checkRealServer({ name: server.name, vips }, facts), stage, options.emit);
    },
    async vipPath(server, signal) {
      const vips = options.vips.get(server.name);
      if (!vips || vips.length === 0) return { ok: true };
      return outcome(await checkVipPath(server.session, server.name, vips, { ...options.vipPathOptions(server.name), signal }), 'vip-path', options.emit);
    },
  };
}
