import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startChecker, type Apply, type ApplyResult, type CheckConfig, type CheckerEvent, type CheckedRealServer } from '../../../src/lab/net/keepalived.ts';
import { createManualClock } from '../../../src/lab/net/timers.ts';
import { listen, waitFor } from './helpers.ts';

const SERVICE = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '127.0.0.1', port: 8080 } as const;
const OK: ApplyResult = { ok: true };

/** A kernel table of dests (`addr:port` → weight) that answers like IPVS; logs every command. */
function fakeIpvs(initial: Record<string, number> = {}) {
  const dests = new Map(Object.entries(initial));
  const log: string[] = [];
  const apply: Apply = (cmd) => {
    const key = `${cmd.dest.address}:${cmd.dest.port}`;
    log.push(`${cmd.op} ${key} ${cmd.weight}`);
    const has = dests.has(key);
    if (cmd.op === 'add' && has) return { ok: false, errno: 'EEXIST' };
    if (cmd.op !== 'add' && !has) return { ok: false, errno: 'ENOENT' };
    if (cmd.op === 'del') dests.delete(key);
    else dests.set(key, cmd.weight);
    return OK;
  };
  return { dests, log, apply };
}

// Pair A's timing (LVS.md §5.3): delay_loop 5 s, retry 3, delay_before_retry 2 s.
const httpCheck = (over: Partial<CheckConfig> = {}): CheckConfig =>
  ({ type: 'HTTP_GET', path: '/health', connectTimeoutMs: 3000, retry: 3, delayBeforeRetryMs: 2000, delayLoopMs: 5000, ...over }) as CheckConfig;

function aChecker(rs: Partial<CheckedRealServer>, ipvs = fakeIpvs({ '127.0.0.1:8081': 100 })) {
  const clock = createManualClock(0);
  let healthy = true;
  const events: CheckerEvent[] = [];
  const checker = startChecker({
    services: [{ key: SERVICE, realServers: [{ address: '127.0.0.1', port: 8081, weight: 100, inhibitOnFailure: true, check: httpCheck(), ...rs }] }],
    apply: ipvs.apply,
    clock,
    bootstrapDelayMs: 0,
    probe: async () => (healthy ? { ok: true, detail: 'HTTP status code 200' } : { ok: false, detail: 'HTTP status code 404' }),
    onEvent: (e) => events.push(e),
  });
  return {
    clock,
    ipvs,
    events,
    checker,
    setHealthy: (h: boolean) => (healthy = h),
    /** Advance to absolute time `ms`. */
    at: (ms: number) => clock.advanceAsync(ms - clock.now()),
  };
}

describe('keepalived checker', () => {
  it('goes down on the (retry+1)-th consecutive failure: EDIT weight 0 under inhibit (~11 s)', async () => {
    const k = aChecker({});
    await k.checker.ready;
    await k.at(1);
    expect(k.ipvs.log).toEqual(['add 127.0.0.1:8081 100']); // start-up ADD, EEXIST ignored
    k.setHealthy(false);
    await k.at(10_999); // failures at 5 s, 7 s, 9 s: retries
    expect(k.checker.status()[0]).toMatchObject({ alive: true, failures: 3 });
    expect(k.ipvs.dests.get('127.0.0.1:8081')).toBe(100);
    await k.at(11_000);
    expect(k.checker.status()[0]).toMatchObject({ alive: false, failures: 4 });
    expect(k.ipvs.log.at(-1)).toBe('edit 127.0.0.1:8081 0');
    expect(k.ipvs.dests.get('127.0.0.1:8081')).toBe(0);
    const t = k.events.find((e) => e.type === 'transition');
    expect(t && t.type === 'transition' && t.message).toBe('Disabling service [127.0.0.1]:tcp:8081 from VS [127.0.0.1]:tcp:8080');
    expect(k.events.some((e) => e.type === 'ipvs-error')).toBe(false);
  });

  it('without inhibit_on_failure the dest is deleted', async () => {
    const k = aChecker({ inhibitOnFailure: false });
    await k.at(1);
    k.setHealthy(false);
    await k.at(11_000);
    expect(k.ipvs.log.at(-1)).toBe('del 127.0.0.1:8081 100');
    expect(k.ipvs.dests.has('127.0.0.1:8081')).toBe(false);
  });

  it('comes back after two passes (HTTP_GET), at the configured weight', async () => {
    const k = aChecker({});
    await k.at(1);
    k.setHealthy(false);
    await k.at(11_000);
    k.setHealthy(true);
    await k.at(16_000); // first pass while down (checks every max(dbr, delay_loop))
    expect(k.checker.status()[0]).toMatchObject({ alive: false, pendingUp: true });
    await k.at(20_999);
    expect(k.ipvs.dests.get('127.0.0.1:8081')).toBe(0);
    await k.at(21_000);
    expect(k.checker.status()[0]).toMatchObject({ alive: true, failures: 0 });
    expect(k.ipvs.log.at(-1)).toBe('edit 127.0.0.1:8081 100');
  });

  it('fast_recovery (and TCP_CHECK) come back on the first pass', async () => {
    for (const check of [httpCheck({ fastRecovery: true } as Partial<CheckConfig>), httpCheck({ type: 'TCP_CHECK' })]) {
      const k = aChecker({ check, inhibitOnFailure: false });
      await k.at(1);
      k.setHealthy(false);
      await k.at(11_000);
      k.setHealthy(true);
      await k.at(16_000);
      expect(k.checker.status()[0]!.alive).toBe(true);
      expect(k.ipvs.log.at(-1)).toBe('add 127.0.0.1:8081 100');
    }
  });

  it('a passing check after failures resets the count (no down)', async () => {
    const k = aChecker({});
    await k.at(1);
    k.setHealthy(false);
    await k.at(9_000); // 3 failures
    k.setHealthy(true);
    await k.at(11_000);
    k.setHealthy(false);
    await k.at(19_000); // failures at 16, 18 s only
    expect(k.checker.status()[0]).toMatchObject({ alive: true, failures: 2 });
    expect(k.ipvs.log).toEqual(['add 127.0.0.1:8081 100']);
  });

  it('does not reconcile: a manual delete stays deleted while the check passes', async () => {
    const k = aChecker({});
    await k.at(1);
    k.ipvs.dests.delete('127.0.0.1:8081'); // ipvsadm -d by hand
    await k.at(60_000);
    expect(k.ipvs.dests.has('127.0.0.1:8081')).toBe(false);
    expect(k.ipvs.log).toEqual(['add 127.0.0.1:8081 100']);
    // Its next down transition EDITs (ENOENT) and falls back to ADD, at weight 0.
    k.setHealthy(false);
    await k.at(80_000);
    expect(k.ipvs.log.slice(1)).toEqual(['edit 127.0.0.1:8081 0', 'add 127.0.0.1:8081 0']);
    expect(k.ipvs.dests.get('127.0.0.1:8081')).toBe(0);
  });

  it('does not reconcile: a manual weight and a manual re-add while down are left alone', async () => {
    const k = aChecker({ inhibitOnFailure: false });
    await k.at(1);
    k.ipvs.dests.set('127.0.0.1:8081', 5); // ipvsadm -e -w 5
    await k.at(30_000);
    expect(k.ipvs.dests.get('127.0.0.1:8081')).toBe(5);
    k.setHealthy(false);
    await k.at(41_000); // failures at 35, 37, 39, 41 s: deleted by keepalived
    expect(k.ipvs.dests.has('127.0.0.1:8081')).toBe(false);
    k.ipvs.dests.set('127.0.0.1:8081', 7); // re-added by hand while keepalived believes it down
    await k.at(60_000);
    expect(k.ipvs.dests.get('127.0.0.1:8081')).toBe(7);
    k.setHealthy(true);
    await k.at(80_000);
    expect(k.checker.status()[0]!.alive).toBe(true);
    expect(k.ipvs.log.at(-1)).toBe('add 127.0.0.1:8081 100'); // EEXIST, ignored
    expect(k.ipvs.dests.get('127.0.0.1:8081')).toBe(7);
    expect(k.events.some((e) => e.type === 'ipvs-error')).toBe(false);
  });

  it('alpha starts down (added at weight 0 under inhibit) until the first pass', async () => {
    const k = aChecker({ alpha: true }, fakeIpvs());
    await k.checker.ready;
    expect(k.ipvs.log).toEqual(['add 127.0.0.1:8081 0']);
    expect(k.checker.status()[0]!.alive).toBe(false);
    await k.at(0);
    expect(k.checker.status()[0]!.alive).toBe(true);
    expect(k.ipvs.dests.get('127.0.0.1:8081')).toBe(100);
  });

  it('reports other IPVS errors, and stop({ removeServers }) deletes every real server', async () => {
    const k = aChecker({}, fakeIpvs({ '127.0.0.1:8081': 100 }));
    const failing: Apply = (cmd) => (cmd.op === 'edit' ? { ok: false, errno: 'ESRCH', message: 'Service not defined' } : k.ipvs.apply(cmd));
    const clock = createManualClock(0);
    const events: CheckerEvent[] = [];
    const checker = startChecker({
      services: [{ key: SERVICE, realServers: [{ address: '127.0.0.1', port: 8081, weight: 100, inhibitOnFailure: true, check: httpCheck({ retry: 0 }) }] }],
      apply: failing,
      clock,
      bootstrapDelayMs: 0,
      onEvent: (e) => events.push(e),
      probe: async () => ({ ok: false, detail: 'ECONNREFUSED' }),
    });
    await clock.advanceAsync(1);
    const error = events.find((e) => e.type === 'ipvs-error');
    expect(error && error.type === 'ipvs-error' && error.message).toBe('IPVS cmd edit error: Service not defined');
    await checker.stop({ removeServers: true });
    expect(k.ipvs.dests.size).toBe(0);
    expect(clock.pending()).toBe(0);
  });
});

describe('keepalived checker over real sockets', () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('HTTP_GET fails on a non-2xx and on a refused port, passes on 200', async () => {
    let status = 200;
    const server = await listen(createServer((req, res) => res.writeHead(req.url === '/health' ? status : 500).end()));
    closers.push(() => new Promise((r) => server.close(r)));
    const ipvs = fakeIpvs({ [`127.0.0.1:${server.port}`]: 10 });
    const fast = { connectTimeoutMs: 500, retry: 1, delayBeforeRetryMs: 10, delayLoopMs: 20 };
    const checker = startChecker({
      services: [
        {
          key: SERVICE,
          realServers: [
            {
              address: '127.0.0.1',
              port: server.port,
              weight: 10,
              inhibitOnFailure: true,
              check: { type: 'HTTP_GET', path: '/health', statusCode: [200, 299], ...fast },
            },
            { address: '127.0.0.1', port: 1, weight: 10, inhibitOnFailure: false, check: { type: 'TCP_CHECK', ...fast } },
          ],
        },
      ],
      apply: ipvs.apply,
      bootstrapDelayMs: 0,
    });
    closers.push(() => checker.stop());
    await waitFor(() => checker.status()[1]!.alive === false, 'the TCP check on port 1 to go down');
    expect(checker.status()[1]!.lastCheck?.detail).toBe('ECONNREFUSED');
    expect(checker.status()[0]!.alive).toBe(true);
    status = 404;
    await waitFor(() => ipvs.dests.get(`127.0.0.1:${server.port}`) === 0, 'weight 0 after a 404');
    expect(checker.status()[0]!.lastCheck?.detail).toBe('HTTP status code 404');
    status = 204;
    await waitFor(() => ipvs.dests.get(`127.0.0.1:${server.port}`) === 10, 'back at weight 10');
  });
});
