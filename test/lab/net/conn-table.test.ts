import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../src/ipvs/model.ts';
import { createConnTable } from '../../../src/lab/net/conn-table.ts';
import { nextTcpState } from '../../../src/lab/net/tcp-states.ts';
import { statsSourceOf } from '../../../src/lab/net/traffic-stats.ts';
import { createManualClock } from '../../../src/lab/net/timers.ts';

const ep = (address: string, port: number): Endpoint => ({ family: 'inet', address, port });
const VIP = ep('127.0.0.1', 8080);
const RS = ep('127.0.0.1', 8081);
const client = (n: number) => ep('127.0.2.1', 40000 + n);

function aTable(timeScale = 1) {
  const clock = createManualClock(0);
  return { clock, conns: createConnTable({ clock, timeScale }) };
}

describe('TCP state machine (NAT, both directions)', () => {
  it('follows the kernel tables for both closing orders and resets', () => {
    expect(nextTcpState('SYN_RECV', 'in', 'ack')).toBe('ESTABLISHED');
    // client closes first: CLOSE_WAIT, then the server's FIN: TIME_WAIT
    expect(nextTcpState('ESTABLISHED', 'in', 'fin')).toBe('CLOSE_WAIT');
    expect(nextTcpState('CLOSE_WAIT', 'out', 'fin')).toBe('TIME_WAIT');
    // server closes first: FIN_WAIT, then the client's FIN: TIME_WAIT
    expect(nextTcpState('ESTABLISHED', 'out', 'fin')).toBe('FIN_WAIT');
    expect(nextTcpState('FIN_WAIT', 'in', 'ack')).toBe('FIN_WAIT');
    expect(nextTcpState('FIN_WAIT', 'in', 'fin')).toBe('TIME_WAIT');
    expect(nextTcpState('ESTABLISHED', 'in', 'rst')).toBe('CLOSE');
    expect(nextTcpState('SYN_RECV', 'out', 'rst')).toBe('CLOSE');
  });
});

describe('TCP state machine (DR/TUN, INPUT-ONLY: the director sees only the client)', () => {
  it('a client FIN on ESTABLISHED is FIN_WAIT, never CLOSE_WAIT or TIME_WAIT; a RST on SYNACK is CLOSE', () => {
    expect(nextTcpState('SYN_RECV', 'in', 'ack', true)).toBe('ESTABLISHED');
    expect(nextTcpState('ESTABLISHED', 'in', 'fin', true)).toBe('FIN_WAIT');
    expect(nextTcpState('FIN_WAIT', 'in', 'ack', true)).toBe('FIN_WAIT');
    expect(nextTcpState('FIN_WAIT', 'in', 'fin', true)).toBe('FIN_WAIT');
    expect(nextTcpState('SYNACK', 'in', 'rst', true)).toBe('CLOSE');
    // The same packets in NAT: CLOSE_WAIT, then TIME_WAIT after the server's FIN.
    expect(nextTcpState('ESTABLISHED', 'in', 'fin')).toBe('CLOSE_WAIT');
  });

  it('an input-only entry follows the INPUT-ONLY table until a reply is seen (the kernel clears NOOUTPUT)', () => {
    const { conns } = aTable();
    const dr = conns.add({ client: client(1), virtual: VIP, destination: RS, inputOnly: true });
    conns.packet(dr, 'in', 'ack');
    expect(conns.packet(dr, 'in', 'fin')).toBe('FIN_WAIT');
    expect(dr.inputOnly).toBe(true);
    const seen = conns.add({ client: client(2), virtual: VIP, destination: RS, state: 'ESTABLISHED', inputOnly: true });
    conns.packet(seen, 'out', 'ack');
    expect(seen.inputOnly).toBe(false);
    expect(conns.packet(seen, 'in', 'fin')).toBe('CLOSE_WAIT');
  });

  it('TCP timeouts and template timeouts scale apart (real TIME_WAIT, scaled persistence)', () => {
    const clock = createManualClock(0);
    const conns = createConnTable({ clock, timeScale: 1, templateTimeScale: 0.01 });
    const e = conns.add({ client: client(1), virtual: VIP, destination: RS, state: 'TIME_WAIT' });
    conns.addTemplate({ clientAddress: '127.0.2.1', virtual: VIP, destination: RS, persistentSeconds: 300 });
    expect(conns.entries().map((x) => [x.state, x.expires])).toEqual([
      ['TIME_WAIT', 120],
      ['NONE', 3],
    ]);
    clock.advance(119_000);
    expect(conns.lookup(client(1), VIP)).toBe(e);
    clock.advance(1_000);
    expect(conns.size()).toBe(0);
  });
});

describe('connection table', () => {
  it('counts ESTABLISHED as active and every other flow as inactive, templates apart', () => {
    const { conns } = aTable();
    const a = conns.add({ client: client(1), virtual: VIP, destination: RS });
    expect(conns.countsFor(RS, VIP)).toEqual({ active: 0, inactive: 1, persist: 0 }); // SYN_RECV
    conns.packet(a, 'in', 'ack');
    const b = conns.add({ client: client(2), virtual: VIP, destination: RS, state: 'ESTABLISHED' });
    conns.addTemplate({ clientAddress: '127.0.2.1', virtual: VIP, destination: RS, persistentSeconds: 300 });
    expect(conns.countsFor(RS, VIP)).toEqual({ active: 2, inactive: 0, persist: 1 });
    conns.packet(b, 'out', 'fin');
    expect(conns.countsFor(RS)).toEqual({ active: 1, inactive: 1, persist: 1 });
    expect(conns.countsFor(ep('127.0.0.1', 9999), VIP)).toEqual({ active: 0, inactive: 0, persist: 0 });
  });

  it('lists entries like /proc/net/ip_vs_conn: expiry in seconds, templates with client port 0', () => {
    const { clock, conns } = aTable();
    const e = conns.add({ client: client(1), virtual: VIP, destination: RS, state: 'ESTABLISHED' });
    conns.addTemplate({ clientAddress: '127.0.2.1', virtual: VIP, destination: RS, persistentSeconds: 300 });
    expect(conns.entries()).toEqual([
      { protocol: 'TCP', expires: 900, state: 'ESTABLISHED', client: client(1), virtual: VIP, destination: RS, template: false },
      { protocol: 'TCP', expires: 300, state: 'NONE', client: ep('127.0.2.1', 0), virtual: VIP, destination: RS, template: true },
    ]);
    clock.advance(60_500);
    expect(conns.entries().map((r) => r.expires)).toEqual([840, 240]);
    conns.touch(e); // traffic resets the timer
    expect(conns.entries()[0]!.expires).toBe(900);
  });

  it('expires entries by state timeout (scaled), calling onExpire once', () => {
    const { clock, conns } = aTable(0.01);
    const expired: string[] = [];
    const e = conns.add({ client: client(1), virtual: VIP, destination: RS, state: 'ESTABLISHED', onExpire: (x) => expired.push(x.state) });
    clock.advance(8_999);
    expect(conns.size()).toBe(1);
    conns.packet(e, 'in', 'fin'); // CLOSE_WAIT: 60 s × 0.01
    conns.packet(e, 'out', 'fin'); // TIME_WAIT: 120 s × 0.01
    clock.advance(1_199);
    expect(conns.size()).toBe(1);
    clock.advance(1);
    expect(conns.size()).toBe(0);
    expect(expired).toEqual(['TIME_WAIT']);
    expect(clock.pending()).toBe(0);
  });

  it('keeps a template while it controls connections, then lets it expire', () => {
    const { clock, conns } = aTable();
    const t = conns.addTemplate({ clientAddress: '127.0.2.1', virtual: VIP, destination: RS, persistentSeconds: 300 });
    const c = conns.add({ client: client(1), virtual: VIP, destination: RS, state: 'ESTABLISHED', controller: t });
    expect(t.controls).toBe(1);
    clock.advance(300_000);
    expect(conns.findTemplate('127.0.2.1', VIP)).toBe(t); // re-armed, not freed
    conns.remove(c);
    clock.advance(300_000);
    expect(conns.findTemplate('127.0.2.1', VIP)).toBeUndefined();
    expect(conns.size()).toBe(0);
  });

  it('an invalidated template stays listed with ports 65535 but is never matched', () => {
    const { conns } = aTable();
    const t = conns.addTemplate({ clientAddress: '127.0.2.1', virtual: VIP, destination: RS, persistentSeconds: 300 });
    conns.invalidateTemplate(t);
    expect(conns.findTemplate('127.0.2.1', VIP)).toBeUndefined();
    expect(conns.entries()[0]).toMatchObject({ virtual: { port: 65535 }, destination: { port: 65535 }, template: true });
    expect(conns.countsFor(RS, VIP).persist).toBe(1);
  });

  it('a reused client port replaces the old entry', () => {
    const { conns } = aTable();
    const gone: number[] = [];
    const old = conns.add({ client: client(1), virtual: VIP, destination: RS, state: 'TIME_WAIT', onExpire: (e) => gone.push(e.id) });
    const fresh = conns.add({ client: client(1), virtual: VIP, destination: RS });
    expect(gone).toEqual([old.id]);
    expect(conns.lookup(client(1), VIP)).toBe(fresh);
    expect(conns.size()).toBe(1);
  });

  it('ipvsadm --set changes the ESTABLISHED and FIN_WAIT timeouts', () => {
    const { conns } = aTable();
    conns.setTimeouts({ tcp: 60, tcpFin: 0 });
    conns.add({ client: client(1), virtual: VIP, destination: RS, state: 'ESTABLISHED' });
    expect(conns.entries()[0]!.expires).toBe(60);
    expect(conns.timeoutSeconds('FIN_WAIT')).toBe(120);
  });

  it('keeps --stats totals per dest and service and estimates --rate every 2 s', () => {
    const { clock, conns } = aTable();
    for (let i = 0; i < 10; i++) conns.traffic.record(VIP, RS, { conns: 1, inPkts: 2, inBytes: 1000 });
    conns.traffic.record(VIP, ep('127.0.0.1', 8082), { conns: 1 });
    expect(conns.traffic.statsFor(VIP, RS)).toMatchObject({ conns: 10n, inPkts: 20n, inBytes: 10000n, outPkts: 0n });
    expect(conns.traffic.statsFor(VIP).conns).toBe(11n);
    clock.advance(2000); // 10 conns in 2 s = 5/s; the estimator moves a quarter of the way
    expect(conns.traffic.rateFor(VIP, RS).conns).toBe(1n);
    for (let k = 0; k < 20; k++) {
      for (let i = 0; i < 10; i++) conns.traffic.record(VIP, RS, { conns: 1 });
      clock.advance(2000);
    }
    expect(conns.traffic.rateFor(VIP, RS).conns).toBe(5n);
    const source = statsSourceOf(conns.traffic);
    const key = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '127.0.0.1', port: 8080 } as const;
    expect(source.stats(key, RS).conns).toBe(210n);
    expect(source.stats({ kind: 'fwmark', family: 'inet', mark: 1 }).conns).toBe(0n);
    source.zero(key);
    expect(conns.traffic.statsFor(VIP)).toMatchObject({ conns: 0n });
    conns.close();
  });
});
