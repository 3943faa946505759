import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Endpoint, IpvsTable } from '../../../src/ipvs/model.ts';
import { createConnTable, type ConnTable } from '../../../src/lab/net/conn-table.ts';
import { startVip, type Delivery, type Vip, type VipOptions } from '../../../src/lab/net/vip.ts';
import { aDest, aService, aTable, openClient, startEchoServer, waitFor, type Client, type EchoServer } from './helpers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Echo servers behind a VIP whose table the test mutates; timeouts scaled by `timeScale`. */
async function aLab(names: string[], options: { timeScale?: number; vip?: Partial<VipOptions> } = {}) {
  const servers: EchoServer[] = [];
  for (const name of names) servers.push(await startEchoServer(name));
  const conns = createConnTable({ timeScale: options.timeScale ?? 1 });
  const lab = { table: undefined as IpvsTable | undefined, conns };
  const vip: Vip = await startVip({ table: () => lab.table, conns: () => lab.conns, ...options.vip });
  lab.table = aTable([
    aService(
      vip.port,
      servers.map((s) => aDest(s.port)),
    ),
  ]);
  const clients: Client[] = [];
  cleanups.push(async () => {
    for (const c of clients) c.close();
    await vip.close();
    lab.conns.close();
    for (const s of servers) await s.close();
  });
  const service = () => lab.table!.services[0]!;
  const dest = (name: string) => service().dests.find((d) => d.port === servers.find((s) => s.name === name)!.port)!;
  const endpoint = (name: string): Endpoint => ({ family: 'inet', address: '127.0.0.1', port: servers.find((s) => s.name === name)!.port });
  const virtual: Endpoint = { family: 'inet', address: '127.0.0.1', port: vip.port };
  const client = async (localAddress?: string) => {
    const c = await openClient(vip.port, localAddress);
    clients.push(c);
    return c;
  };
  /** Open a connection and return the server that answers it. */
  const serverOf = async (localAddress?: string) => (await client(localAddress)).ask(`hello${clients.length}`);
  return { lab, vip, servers, service, dest, endpoint, virtual, client, serverOf };
}

describe('VIP scheduling over real sockets', () => {
  it('rr spreads new connections evenly and in order', async () => {
    const t = await aLab(['a', 'b', 'c']);
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) picks.push(await t.serverOf());
    expect(picks).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('wrr follows the kernel order for weights 3:2:1', async () => {
    const t = await aLab(['a', 'b', 'c']);
    t.service().scheduler = 'wrr';
    for (const [i, w] of [3, 2, 1].entries()) t.service().dests[i]!.weight = w;
    const picks: string[] = [];
    for (let i = 0; i < 12; i++) picks.push(await t.serverOf());
    expect(picks.join('')).toBe('aababcaababc');
  });

  it('lc sends each connection to the dest with the fewest, ties to the first', async () => {
    const t = await aLab(['a', 'b']);
    t.service().scheduler = 'lc';
    const picks: string[] = [];
    for (let i = 0; i < 4; i++) picks.push(await t.serverOf());
    expect(picks).toEqual(['a', 'b', 'a', 'b']);
    expect(t.lab.conns.countsFor(t.endpoint('a'), t.virtual).active).toBe(2);
  });

  it('wlc weighs active connections by weight (1:3)', async () => {
    const t = await aLab(['a', 'b']);
    t.service().scheduler = 'wlc';
    t.dest('b').weight = 3;
    const picks: string[] = [];
    for (let i = 0; i < 5; i++) picks.push(await t.serverOf());
    expect(picks).toEqual(['a', 'b', 'b', 'b', 'a']);
  });

  it('no available destination resets the client at once and counts it', async () => {
    const t = await aLab(['a']);
    t.dest('a').weight = 0;
    const error = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: t.vip.port });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      socket.on('close', () => resolve('closed'));
    });
    expect(error).toBe('ECONNRESET');
    expect(t.vip.counters().noDestination).toBe(1);
    expect(t.lab.conns.size()).toBe(0);
  });
});

describe('VIP kernel semantics', () => {
  it('weight 0: no new connections, the open one keeps working', async () => {
    const t = await aLab(['a', 'b']);
    const old = await t.client();
    expect(await old.ask('first')).toBe('a');
    t.dest('a').weight = 0;
    t.vip.notifyTableChanged();
    for (let i = 0; i < 3; i++) expect(await t.serverOf()).toBe('b');
    expect(await old.ask('after-quiesce')).toBe('a');
    expect(t.lab.conns.countsFor(t.endpoint('a'), t.virtual)).toEqual({ active: 1, inactive: 0, persist: 0 });
  });

  it('delete drops the packets of live flows; re-add delivers them (with notify)', async () => {
    const t = await aLab(['a', 'b']);
    const c = await t.client();
    expect(await c.ask('before')).toBe('a');
    const a = t.dest('a');
    t.service().dests = t.service().dests.filter((d) => d !== a);
    t.vip.notifyTableChanged();
    c.send('during');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(c.received()).not.toContain('during');
    expect(c.closed()).toBe(false);
    // The entry stays in the table (the trash), its timer not refreshed.
    const entry = t.lab.conns.entries().find((e) => e.destination.port === a.port)!;
    expect(entry.state).toBe('ESTABLISHED');
    expect(t.vip.counters().stalled).toBe(1);
    t.service().dests.push(a);
    t.vip.notifyTableChanged();
    await waitFor(() => c.received().includes('a:during'), 'the stalled data to be answered');
    expect(await c.ask('after')).toBe('a');
    expect(t.vip.counters().resumed).toBe(1);
  });

  it('delete without notify: caught on the next packet, resumed by the retransmit check', async () => {
    const t = await aLab(['a']);
    const c = await t.client();
    await c.ask('before');
    const saved = t.service().dests;
    t.service().dests = [];
    c.send('during');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(c.received()).not.toContain('during');
    t.service().dests = saved;
    await waitFor(() => c.received().includes('a:during'), 'delivery after re-add', 3000);
  });

  it('an entry that expires while its dest is deleted closes both sockets', async () => {
    // ESTABLISHED 900 s × 0.001 = 0.9 s.
    const t = await aLab(['a'], { timeScale: 0.001 });
    const c = await t.client();
    await c.ask('before');
    t.service().dests = [];
    t.vip.notifyTableChanged();
    c.send('lost');
    await waitFor(() => c.closed(), 'the client socket to be destroyed');
    expect(c.received()).not.toContain('lost');
    expect(t.lab.conns.size()).toBe(0);
    expect(t.vip.counters()).toMatchObject({ expiredWhileStalled: 1, open: 0 });
    await waitFor(() => t.servers[0]!.open() === 0, 'the server side to be closed');
  });

  it('an idle ESTABLISHED entry expires and closes the flow; traffic postpones it', async () => {
    const t = await aLab(['a'], { timeScale: 0.001 });
    const busy = await t.client();
    const idle = await t.client();
    await busy.ask('x');
    await idle.ask('y');
    // Keep one flow busy past the 0.9 s timeout; the idle one must expire first.
    const deadline = Date.now() + 4000;
    while (!idle.closed() && Date.now() < deadline) {
      await busy.ask('tick');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(idle.closed()).toBe(true);
    expect(busy.closed()).toBe(false);
    expect(t.vip.counters().expired).toBe(1);
  });

  it('ActiveConn/InActConn follow the states: ESTABLISHED, then TIME_WAIT after both FINs', async () => {
    const t = await aLab(['a'], { timeScale: 0.01 });
    const c = await t.client();
    await c.ask('x');
    expect(t.lab.conns.countsFor(t.endpoint('a'), t.virtual)).toEqual({ active: 1, inactive: 0, persist: 0 });
    c.socket.end();
    const row = await waitFor(() => t.lab.conns.entries().find((e) => e.state === 'TIME_WAIT'), 'TIME_WAIT');
    expect(row.expires).toBeLessThanOrEqual(2); // 120 s × 0.01
    expect(t.lab.conns.countsFor(t.endpoint('a'), t.virtual)).toEqual({ active: 0, inactive: 1, persist: 0 });
    await waitFor(() => t.lab.conns.size() === 0, 'TIME_WAIT to expire');
  });

  it('a Masq dest edited to Route (the -e pitfall) black-holes its flows until set back', async () => {
    const t = await aLab(['a']);
    const c = await t.client();
    await c.ask('before');
    t.dest('a').forward = 'Route';
    c.send('routed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(c.received()).not.toContain('routed');
    t.dest('a').forward = 'Masq';
    t.vip.notifyTableChanged();
    await waitFor(() => c.received().includes('a:routed'), 'delivery once Masq again');
  });

  it('counts conns, packets and bytes per dest and service', async () => {
    const t = await aLab(['a', 'b']);
    for (let i = 0; i < 4; i++) await t.serverOf();
    const a = t.lab.conns.traffic.statsFor(t.virtual, t.endpoint('a'));
    const svc = t.lab.conns.traffic.statsFor(t.virtual);
    expect(a.conns).toBe(2n);
    expect(svc.conns).toBe(4n);
    expect(a.inBytes).toBeGreaterThan(0n);
    expect(svc.outPkts).toBeGreaterThanOrEqual(8n);
  });
});

describe('VIP persistence', () => {
  async function persistentLab(vip: Partial<VipOptions> = {}) {
    const t = await aLab(['a', 'b'], { timeScale: 0.01, vip });
    t.service().persistent = 300;
    return t;
  }

  it('a returning client follows its template to a quiescent dest', async () => {
    const t = await persistentLab();
    expect(await t.serverOf('127.0.2.1')).toBe('a');
    expect(await t.serverOf('127.0.2.2')).toBe('b');
    t.dest('a').weight = 0;
    expect(await t.serverOf('127.0.2.1')).toBe('a');
    expect(await t.serverOf('127.0.2.3')).toBe('b');
    expect(t.lab.conns.countsFor(t.endpoint('a'), t.virtual).persist).toBe(1);
    const template = t.lab.conns.entries().find((e) => e.template && e.client.address === '127.0.2.1')!;
    expect(template).toMatchObject({ state: 'NONE', client: { port: 0 }, destination: { port: t.endpoint('a').port } });
  });

  it('expire_quiescent_template=1 sends the returning client elsewhere', async () => {
    const t = await persistentLab({ expireQuiescentTemplate: true });
    expect(await t.serverOf('127.0.2.1')).toBe('a');
    t.dest('a').weight = 0;
    expect(await t.serverOf('127.0.2.1')).toBe('b');
  });

  it('a template pointing at a deleted dest is invalidated', async () => {
    const t = await persistentLab();
    expect(await t.serverOf('127.0.2.1')).toBe('a');
    t.service().dests = t.service().dests.filter((d) => d !== t.dest('a'));
    expect(await t.serverOf('127.0.2.1')).toBe('b');
    const rows = t.lab.conns.entries().filter((e) => e.template && e.client.address === '127.0.2.1');
    expect(rows.map((r) => r.virtual.port).sort()).toEqual([t.vip.port, 65535].sort());
  });

  it('the netmask groups clients of one subnet', async () => {
    const t = await persistentLab();
    t.service().netmask = '255.255.255.0';
    expect(await t.serverOf('127.0.2.1')).toBe('a');
    expect(await t.serverOf('127.0.2.9')).toBe('a');
    expect(await t.serverOf('127.0.3.1')).toBe('b');
  });
});

describe('VIP failover', () => {
  async function twoDirectors(syncConnections: boolean) {
    const t = await aLab(['a'], { vip: { syncConnections } });
    const master = t.lab.conns;
    const backup: ConnTable = createConnTable();
    cleanups.push(() => backup.close());
    const c = await t.client();
    await c.ask('before');
    t.lab.conns = backup; // the lead's failover: the BACKUP's conn table becomes live
    return { t, c, master, backup };
  }

  it('without connection sync an existing flow is reset on its next packet', async () => {
    const { t, c, master } = await twoDirectors(false);
    c.send('after');
    await waitFor(() => c.closed(), 'the reset');
    expect(t.vip.counters().lostEntry).toBe(1);
    expect(master.size()).toBe(1); // the old MASTER still lists it until it times out
    expect(await t.serverOf()).toBe('a'); // new connections go through the new MASTER
  });

  it('with connection sync the flow continues and the new MASTER lists it', async () => {
    const { c, backup } = await twoDirectors(true);
    expect(await c.ask('after')).toBe('a');
    expect(backup.entries().map((e) => e.state)).toEqual(['ESTABLISHED']);
  });
});

describe('VIP in DR (Route dests, `deliver` says which paths carry packets)', () => {
  it('a server that drops (no VIP on lo) leaves a new connection hanging in SYN_RECV, counted; it goes through once delivered', async () => {
    let path: Delivery = 'server-no-vip';
    const t = await aLab(['a'], { vip: { masqOnly: false, deliver: () => path } });
    t.dest('a').forward = 'Route';
    const c = await t.client();
    c.send('hello');
    await waitFor(() => t.vip.counters().serverNoVip === 1, 'the stall to be counted');
    expect(t.lab.conns.entries().map((e) => e.state)).toEqual(['SYN_RECV']);
    expect(c.received()).toBe('');
    path = 'forward';
    t.vip.notifyTableChanged();
    await waitFor(() => c.received() === 'a:hello', 'delivery once the server holds the VIP');
    expect(t.lab.conns.countsFor(t.endpoint('a'), t.virtual)).toEqual({ active: 1, inactive: 0, persist: 0 });
  });

  it('sees only the client: a client FIN leaves FIN_WAIT (no TIME_WAIT), and no Out counters', async () => {
    const t = await aLab(['a'], { timeScale: 0.01, vip: { masqOnly: false, deliver: () => 'forward' } });
    t.dest('a').forward = 'Route';
    const c = await t.client();
    await c.ask('x');
    c.socket.end();
    await waitFor(() => t.lab.conns.entries().find((e) => e.state === 'FIN_WAIT'), 'FIN_WAIT');
    expect(t.lab.conns.countsFor(t.endpoint('a'), t.virtual)).toEqual({ active: 0, inactive: 1, persist: 0 });
    const stats = t.lab.conns.traffic.statsFor(t.virtual, t.endpoint('a'));
    expect(stats.inPkts).toBeGreaterThan(0n);
    expect([stats.outPkts, stats.outBytes]).toEqual([0n, 0n]);
    expect(t.vip.flows()).toEqual([]);
  });
});

describe('VIP and expire_nodest_conn', () => {
  it('with expire_nodest_conn=1 the flows of a deleted dest are expired (the client is reset), not stalled', async () => {
    const t = await aLab(['a'], { vip: { expireNodestConn: true } });
    const c = await t.client();
    await c.ask('before');
    t.service().dests = [];
    t.vip.notifyTableChanged();
    await waitFor(() => c.closed(), 'the client to be reset');
    expect(t.lab.conns.size()).toBe(0);
    expect(t.vip.counters()).toMatchObject({ expired: 1, stalled: 0, open: 0 });
  });
});
