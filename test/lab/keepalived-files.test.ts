// keepalived.conf for lab directors: variants that the engine's keepalived reader sees as meant
// (inhibit or not, drift between the pair, an unbalanced brace), and a reload onto the checker.
import { describe, expect, it } from 'vitest';
import { compareKeepalivedPair } from '../../src/keepalived/compare.ts';
import { findRealServer, findVirtualServer } from '../../src/keepalived/lookup.ts';
import { parseKeepalivedConf } from '../../src/keepalived/parse.ts';
import type { ServiceKey } from '../../src/ipvs/model.ts';
import { reloadKeepalived, renderLabKeepalived, type DirectorConfInput } from '../../src/lab/keepalived-files.ts';
import { startChecker, type CheckedService } from '../../src/lab/net/keepalived.ts';
import { createManualClock } from '../../src/lab/net/timers.ts';

const KEY: ServiceKey = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '127.0.0.100', port: 8080 };
const SERVICES: CheckedService[] = [
  {
    key: KEY,
    scheduler: 'wlc',
    realServers: ['127.0.1.1', '127.0.1.2'].map((address) => ({
      address,
      port: 8080,
      weight: 100,
      inhibitOnFailure: true,
      forward: 'Route' as const,
      check: {
        type: 'HTTP_GET' as const,
        path: '/health/ready.html',
        statusCode: 200,
        connectTimeoutMs: 1000,
        retry: 1,
        delayBeforeRetryMs: 300,
        delayLoopMs: 1000,
      },
    })),
  },
];
const input = (name: string, index: number): DirectorConfInput => ({ name, index, vipAddress: '127.0.0.100', services: SERVICES, base: 'inhibit' });
const parsed = (text: string) => parseKeepalivedConf(text);

describe('lab keepalived.conf', () => {
  it('inhibit and delete variants parse cleanly, with DR, the health file path and the VIP on eth0', () => {
    for (const variant of ['inhibit', 'delete'] as const) {
      const p = parsed(renderLabKeepalived(input('lvs1', 0), variant));
      expect(p.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const vs = findVirtualServer(p.config, KEY)!;
      expect(vs.method).toBe('DR');
      const rs = findRealServer(vs, { family: 'inet', address: '127.0.1.2', port: 8080 })!;
      expect(rs.inhibitOnFailure).toBe(variant === 'inhibit');
      expect(rs.checkers[0]!.urls.map((u) => u.path)).toEqual(['/health/ready.html']);
    }
    expect(renderLabKeepalived(input('lvs2', 1), 'inhibit')).toContain('    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority 100\n');
  });

  it('the MASTER/BACKUP pair differs only legitimately; drifted differs in what balances load; unbalanced is reported', () => {
    const side = (name: string, text: string) => ({ name, parsed: parsed(text) });
    const pair = compareKeepalivedPair(
      side('lvs1', renderLabKeepalived(input('lvs1', 0), 'inhibit')),
      side('lvs2', renderLabKeepalived(input('lvs2', 1), 'inhibit')),
    );
    const drifted = compareKeepalivedPair(
      side('lvs1', renderLabKeepalived(input('lvs1', 0), 'inhibit')),
      side('lvs2', renderLabKeepalived(input('lvs2', 1), 'drifted')),
    );
    expect(pair.consistent).toBe(true);
    expect(pair.differences.every((d) => d.kind === 'allowed')).toBe(true);
    expect(drifted.consistent).toBe(false);
    expect(
      drifted.differences
        .filter((d) => d.kind === 'mismatch')
        .map((d) => d.what)
        .sort(),
    ).toEqual(['lvs_sched', 'weight']);
    const unbalanced = parsed(renderLabKeepalived(input('lvs2', 1), 'unbalanced'));
    expect(unbalanced.diagnostics.map((d) => d.message)).toContainEqual(expect.stringMatching(/missing '}'/));
  });

  it('a reload takes inhibit_on_failure from the new file for the real servers it names', async () => {
    const clock = createManualClock();
    const checker = startChecker({ services: SERVICES, apply: () => ({ ok: true }), clock, probe: async () => ({ ok: true, detail: 'ok' }) });
    await checker.ready;
    const changed = reloadKeepalived(checker, KEY, renderLabKeepalived(input('lvs2', 1), 'delete'));
    expect(changed.map((rs) => [rs.address, rs.inhibitOnFailure])).toEqual([
      ['127.0.1.1', false],
      ['127.0.1.2', false],
    ]);
    expect(reloadKeepalived(checker, KEY, renderLabKeepalived(input('lvs2', 1), 'delete'))).toEqual([]);
    expect(reloadKeepalived(checker, { ...KEY, port: 9999 }, renderLabKeepalived(input('lvs2', 1), 'inhibit'))).toEqual([]);
    expect(reloadKeepalived(undefined, KEY, '')).toEqual([]);
    await checker.stop();
  });
});
