// Connection states as a drain counts them (LVS.md §4.4-4.5, issue 10), with the TCP state
// timeouts at their real values (`tcpTimeScale: 1`) while everything else stays scaled:
// NAT sees both directions, so a closed connection sits in TIME_WAIT for 120 s and counts in
// InActConn; DR sees only the client, so it ends in FIN_WAIT, and a connection the server closed
// stays ESTABLISHED (ActiveConn over-counts) while `ss` on the server shows it gone.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConnList } from '../../src/ipvs/conn.ts';
import { parseIpvsList } from '../../src/ipvs/list-parse.ts';
import { startLab, type ForwardMode, type Lab } from '../../src/lab/lab.ts';
import { get, labShell, waitFor, type LabShell } from './lab-support.ts';

let lab: Lab | undefined;
let sh: LabShell | undefined;
let root = '';
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await sh?.close();
  await lab?.stop();
  lab = undefined;
  sh = undefined;
  if (root) await rm(root, { recursive: true, force: true });
});

async function aLab(forward: ForwardMode): Promise<Lab> {
  root = await mkdtemp(join(tmpdir(), `lvs-lab-tcp-${forward}-`));
  lab = await startLab({ dir: join(root, 'lab'), servers: 1, forward, tcpTimeScale: 1, timeScale: 0.01 });
  sh = labShell(lab);
  return lab;
}

/** `ipvsadm -L -n -c` rows of the routing director, and the one dest's ActiveConn/InActConn. */
function director(l: Lab) {
  const d = l.routing();
  const rows = parseConnList(d.ipvsadm(['-L', '-n', '-c']).stdout).entries;
  const dest = parseIpvsList(d.ipvsadm(['-L', '-n']).stdout).services[0]!.dests[0]!;
  return { rows, active: dest.activeConns, inactive: dest.inactiveConns };
}

/** A client that sends one keep-alive request and never closes its side, even when the server does. */
function halfOpenClient(l: Lab): Promise<{ socket: Socket; port: number; answered: Promise<void>; serverClosed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: l.net.vipAddress, port: l.vip.port, allowHalfOpen: true });
    sockets.push(socket);
    socket.once('error', reject);
    socket.once('connect', () => {
      let data = '';
      const answered = new Promise<void>((done) =>
        socket.on('data', (d: Buffer) => {
          data += d.toString();
          if (data.includes('host=web1')) done();
        }),
      );
      const serverClosed = new Promise<void>((done) => socket.once('end', () => done()));
      socket.write(`GET / HTTP/1.1\r\nHost: ${l.net.vipAddress}\r\nConnection: keep-alive\r\n\r\n`);
      resolve({ socket, port: socket.localPort as number, answered, serverClosed });
    });
  });
}

describe('connection states with real TCP timeouts', () => {
  it('NAT: a closed connection is TIME_WAIT for 120 s and counts in InActConn; no ESTABLISHED remains', async () => {
    const l = await aLab('nat');
    // Every TCP state at the kernel's value (and the table's clock unscaled).
    const conns = l.routing().conns;
    expect(['ESTABLISHED', 'SYN_RECV', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK'].map((st) => conns.timeoutSeconds(st as never))).toEqual([
      900, 60, 120, 120, 10, 60, 30,
    ]);
    expect(conns.timeScale).toBe(1);
    let port = 0;
    expect(await get(l.vip.url, { localPort: (p) => (port = p) })).toEqual({ status: 200, body: 'version=v1 host=web1\n' });
    await waitFor(() => director(l).rows.some((r) => r.client.port === port && r.state === 'TIME_WAIT'), 10_000, 'TIME_WAIT');
    const { rows, active, inactive } = director(l);
    const row = rows.find((r) => r.client.port === port)!;
    expect(row).toMatchObject({ protocol: 'TCP', state: 'TIME_WAIT', destination: { address: '127.0.0.1', port: l.servers[0]!.app.port } });
    // 120 s, as a real director: 01:5x or 02:00 in the listing, seconds later still far from gone.
    expect(row.expires).toBeGreaterThan(110);
    expect(row.expires).toBeLessThanOrEqual(120);
    expect(rows.filter((r) => r.state === 'ESTABLISHED')).toEqual([]);
    expect({ active, inactive }).toEqual({ active: 0, inactive: 1 });
    expect(l.routing().ipvsadm(['-L', '-n', '-c']).stdout).toMatch(
      new RegExp(`^TCP (01:5\\d|02:00)  TIME_WAIT   127\\.0\\.0\\.1:${port} +127\\.0\\.0\\.1:${l.vip.port} +127\\.0\\.0\\.1:${l.servers[0]!.app.port}\\n`, 'm'),
    );
  });

  it('NAT: the server closing an idle keep-alive connection is seen (FIN_WAIT, inactive)', async () => {
    const l = await aLab('nat');
    const client = await halfOpenClient(l);
    await client.answered;
    expect(director(l)).toMatchObject({ active: 1, inactive: 0 });
    // The app closes idle keep-alive connections after 5 s.
    await client.serverClosed;
    await waitFor(() => director(l).rows.some((r) => r.client.port === client.port && r.state === 'FIN_WAIT'), 10_000, 'FIN_WAIT');
    expect(director(l)).toMatchObject({ active: 0, inactive: 1 });
  }, 60_000);

  it("DR: a closed connection ends in FIN_WAIT (the client FIN; the server's is never seen), never TIME_WAIT", async () => {
    const l = await aLab('dr');
    let port = 0;
    expect(await get(l.vip.url, { localPort: (p) => (port = p) })).toEqual({ status: 200, body: 'version=v1 host=web1\n' });
    await waitFor(() => director(l).rows.some((r) => r.client.port === port && r.state === 'FIN_WAIT'), 10_000, 'FIN_WAIT');
    const { rows, active, inactive } = director(l);
    expect(rows.find((r) => r.client.port === port)!.expires).toBeGreaterThan(110);
    expect(rows.filter((r) => r.state === 'TIME_WAIT' || r.state === 'ESTABLISHED')).toEqual([]);
    expect({ active, inactive }).toEqual({ active: 0, inactive: 1 });
  });

  it('DR: a connection the server closed stays ESTABLISHED on the director (ActiveConn over-counts) while ss on the server shows it gone', async () => {
    const l = await aLab('dr');
    const client = await halfOpenClient(l);
    await client.answered;
    const ss = `ss -Htn state established '( sport = :${l.vip.port} )'`;
    const established = async () => (await sh!.run('web1', ss)).stdout.split('\n').filter((line) => line.includes(`:${client.port}`));
    expect(await established()).toHaveLength(1);
    await client.serverClosed;
    await waitFor(async () => (await established()).length === 0, 10_000, 'ss to show it closed');
    const { rows, active } = director(l);
    expect(rows.find((r) => r.client.port === client.port)).toMatchObject({ state: 'ESTABLISHED' });
    expect(active).toBe(1);
    // Only the client's FIN moves it on.
    client.socket.end();
    await waitFor(() => director(l).rows.some((r) => r.client.port === client.port && r.state === 'FIN_WAIT'), 10_000, 'FIN_WAIT');
    expect(director(l)).toMatchObject({ active: 0, inactive: 1 });
  }, 60_000);
});
