// A keepalived-like checker (LVS.md §5.2-5.4): per real server, a check every delay_loop,
// retries every delay_before_retry, down on the (retry+1)-th consecutive failure (DEL, or EDIT
// to weight 0 under inhibit_on_failure), up again after two passes (one with fast_recovery or
// TCP_CHECK). Like keepalived it never reconciles: it acts only on its own transitions.
// Modelled: delay_loop, retry, delay_before_retry, connect_timeout, inhibit_on_failure, alpha,
// fast_recovery, the ipvs_talk error tolerance, ADD at start-up, DEL of everything on stop.
// A reload changes only inhibit_on_failure of the real servers it names (`setInhibitOnFailure`).
// Not modelled: quorum, sorry_server, warmup, the rest of a reload, several checkers per real server.
import type { ServiceKey } from '../../ipvs/model.ts';
import { probe as realProbe } from './keepalived-probe.ts';
import type { Apply, ApplyResult, CheckedRealServer, CheckedService, CheckerCommand, Probe, ProbeResult } from './keepalived-types.ts';
import { realNetClock, type NetClock, type TimerHandle } from './timers.ts';

export * from './keepalived-types.ts';
export { renderKeepalivedConf, type KeepalivedConfInput } from './keepalived-conf.ts';
export { applyResultFromIpvsadm, checkerCommandArgv } from './keepalived-ipvsadm.ts';

export interface RealServerStatus {
  service: ServiceKey;
  address: string;
  port: number;
  weight: number;
  inhibitOnFailure: boolean;
  /** What keepalived believes: up (in the pool at its weight) or down. */
  alive: boolean;
  /** Consecutive failed checks (0 after a pass). */
  failures: number;
  /** Passed once while down; the next pass brings it up (HTTP_GET without fast_recovery). */
  pendingUp: boolean;
  checks: number;
  lastCheck?: ProbeResult & { at: number };
}

export type CheckerEvent =
  | { type: 'check'; rs: RealServerStatus; result: ProbeResult }
  | { type: 'transition'; rs: RealServerStatus; alive: boolean; message: string }
  | { type: 'ipvs-error'; rs: RealServerStatus; command: CheckerCommand; result: ApplyResult; message: string };

export interface CheckerOptions {
  services: CheckedService[];
  apply: Apply;
  clock?: NetClock;
  /** Replace the network checks (tests). */
  probe?: Probe;
  /** keepalived's BOOTSTRAP_DELAY before the first check (default 1000 ms). */
  bootstrapDelayMs?: number;
  /** ADD every real server at start-up, as keepalived does (EEXIST ignored). Default true. */
  addOnStart?: boolean;
  onEvent?: (event: CheckerEvent) => void;
}

export interface Checker {
  status(): RealServerStatus[];
  /** Resolves once start-up commands were applied. */
  readonly ready: Promise<void>;
  /**
   * A reload that sets `inhibit_on_failure` of these real servers (by address and port): like
   * keepalived, it applies to the next transition and touches nothing now. Returns those changed.
   */
  setInhibitOnFailure(changes: readonly { address: string; port: number; inhibitOnFailure: boolean }[]): RealServerStatus[];
  /** Stop checking; with `removeServers`, DEL every real server as keepalived's SIGTERM does. */
  stop(options?: { removeServers?: boolean }): Promise<void>;
}

interface Tracked {
  config: CheckedRealServer;
  /** alpha: never up yet, so the first pass is enough. */
  starting: boolean;
  status: RealServerStatus;
  timer: TimerHandle | undefined;
}

/** `[127.0.0.1]:tcp:8081`, keepalived's FMT_RS/FMT_VS. */
function label(key: ServiceKey | { address: string; port: number }, protocol = 'tcp'): string {
  if ('kind' in key && key.kind === 'fwmark') return `FWM ${key.mark}`;
  const k = key as { address: string; port: number; protocol?: string };
  return `[${k.address}]:${k.protocol ?? protocol}:${k.port}`;
}

/** Start checking every real server of every service; commands go through `apply`. */
export function startChecker(options: CheckerOptions): Checker {
  const clock = options.clock ?? realNetClock;
  const check = options.probe ?? realProbe;
  const emit = (event: CheckerEvent) => options.onEvent?.(event);
  let stopped = false;
  // Checks under way: stop() waits for them (each bounded by its connect timeout), so a stopped
  // checker leaves no socket or timer behind.
  const probing = new Set<Promise<ProbeResult>>();
  const tracked: Tracked[] = options.services.flatMap((service) =>
    service.realServers.map((config) => ({
      config,
      starting: config.alpha ?? false,
      timer: undefined,
      status: {
        service: service.key,
        address: config.address,
        port: config.port,
        weight: config.weight,
        inhibitOnFailure: config.inhibitOnFailure,
        alive: !config.alpha,
        failures: 0,
        pendingUp: false,
        checks: 0,
      },
    })),
  );

  const command = (t: Tracked, op: CheckerCommand['op'], weight: number): CheckerCommand => ({
    op,
    service: t.status.service,
    dest: { family: 'inet', address: t.config.address, port: t.config.port, forward: t.config.forward ?? 'Masq' },
    weight,
  });

  const applySafely = async (cmd: CheckerCommand): Promise<ApplyResult> => {
    try {
      return await options.apply(cmd);
    } catch (error) {
      return { ok: false, errno: 'OTHER', message: error instanceof Error ? error.message : String(error) };
    }
  };

  // ipvs_talk: EEXIST on ADD and ENOENT on DEL are fine; EDIT on a missing dest becomes ADD.
  const send = async (t: Tracked, cmd: CheckerCommand): Promise<void> => {
    let result = await applySafely(cmd);
    if (!result.ok && cmd.op === 'edit' && result.errno === 'ENOENT') result = await applySafely({ ...cmd, op: 'add' });
    if (result.ok || (cmd.op === 'add' && result.errno === 'EEXIST') || (cmd.op === 'del' && result.errno === 'ENOENT')) return;
    emit({ type: 'ipvs-error', rs: { ...t.status }, command: cmd, result, message: `IPVS cmd ${cmd.op} error: ${result.message ?? result.errno}` });
  };

  const transition = async (t: Tracked, alive: boolean) => {
    const rs = t.status;
    rs.alive = alive;
    rs.pendingUp = false;
    t.starting = false;
    const inhibit = t.config.inhibitOnFailure;
    const verb = alive ? (inhibit ? 'Enabling' : 'Adding') : inhibit ? 'Disabling' : 'Removing';
    const message = `${verb} service ${label(t.config)} ${alive ? 'to' : 'from'} VS ${label(rs.service)}`;
    emit({ type: 'transition', rs: { ...rs }, alive, message });
    if (alive) await send(t, command(t, inhibit ? 'edit' : 'add', t.config.weight));
    else await send(t, inhibit ? command(t, 'edit', 0) : command(t, 'del', t.config.weight));
  };

  // One check result → keepalived's epilog: the new belief and the delay to the next check.
  const onResult = async (t: Tracked, result: ProbeResult): Promise<number> => {
    const rs = t.status;
    const c = t.config.check;
    rs.checks++;
    rs.lastCheck = { ...result, at: clock.now() };
    emit({ type: 'check', rs: { ...rs }, result });
    const whileDown = Math.max(c.delayBeforeRetryMs, c.delayLoopMs);
    if (result.ok) {
      rs.failures = 0;
      if (!rs.alive) {
        const oneShot = c.type === 'TCP_CHECK' || (c.type === 'HTTP_GET' && c.fastRecovery) || t.starting;
        if (oneShot || rs.pendingUp) await transition(t, true);
        else rs.pendingUp = true;
      }
      return c.delayLoopMs;
    }
    rs.failures++;
    rs.pendingUp = false;
    if (!rs.alive) return whileDown;
    if (rs.failures <= c.retry) return c.delayBeforeRetryMs;
    await transition(t, false);
    return whileDown;
  };

  const schedule = (t: Tracked, delay: number) => {
    if (stopped) return;
    const probe = async () => {
      const pending = check({ address: t.config.address, port: t.config.port, check: t.config.check });
      probing.add(pending);
      const result = await pending.finally(() => probing.delete(pending));
      if (stopped) return;
      schedule(t, await onResult(t, result));
    };
    t.timer = clock.setTimeout(() => {
      t.timer = undefined;
      // A probe that throws is a bug in the lab: stop checking that server rather than crash.
      probe().catch(() => undefined);
    }, delay);
  };

  const start = async () => {
    if (options.addOnStart ?? true) {
      for (const t of tracked) {
        // alpha: down until a check passes; under inhibit it is still added, at weight 0.
        if (t.config.alpha && !t.config.inhibitOnFailure) continue;
        await send(t, command(t, 'add', t.config.alpha ? 0 : t.config.weight));
      }
    }
    for (const t of tracked) schedule(t, options.bootstrapDelayMs ?? 1000);
  };
  const ready = start();

  return {
    ready,
    status: () => tracked.map((t) => ({ ...t.status })),
    setInhibitOnFailure(changes) {
      const changed: RealServerStatus[] = [];
      for (const change of changes) {
        for (const t of tracked) {
          if (t.config.address !== change.address || t.config.port !== change.port) continue;
          if (t.config.inhibitOnFailure === change.inhibitOnFailure) continue;
          t.config = { ...t.config, inhibitOnFailure: change.inhibitOnFailure };
          t.status.inhibitOnFailure = change.inhibitOnFailure;
          changed.push({ ...t.status });
        }
      }
      return changed;
    },
    async stop(stopOptions = {}) {
      stopped = true;
      for (const t of tracked) if (t.timer) clock.clearTimeout(t.timer);
      await Promise.allSettled([...probing]);
      if (stopOptions.removeServers) for (const t of tracked) await send(t, command(t, 'del', t.config.weight));
    },
  };
}
