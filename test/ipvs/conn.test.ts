import { describe, expect, it } from 'vitest';
import { formatExpiry, parseConnList, parseExpiry, parseProcConn, renderConnList, renderProcConn } from '../../src/ipvs/conn.ts';
import { IpvsParseError } from '../../src/ipvs/parse-error.ts';
import { readFixture } from '../helpers/fixtures.ts';

const rows = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
const HEADER = 'pro expire state       source             virtual            destination';
const PROC_HEADER = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData';

describe('ipvsadm -L -n -c', () => {
  const text = readFixture('ipvsadm/conn-list.txt');
  const listing = parseConnList(text);

  it('reads every row in kernel order with expiry in seconds', () => {
    expect(listing.persistentConn).toBe(false);
    expect(listing.entries).toHaveLength(22);
    expect(listing.entries[0]).toEqual({
      protocol: 'TCP',
      expires: 12,
      state: 'ESTABLISHED',
      template: false,
      client: { family: 'inet', address: '198.51.100.150', port: 58001 },
      virtual: { family: 'inet', address: '10.0.0.100', port: 80 },
      destination: { family: 'inet', address: '10.0.1.13', port: 80 },
    });
    expect(listing.entries[1]?.expires).toBe(12 * 60 + 14);
    expect(listing.entries[3]).toMatchObject({ protocol: 'UDP', state: 'UDP', expires: 17 });
  });

  it('marks persistence templates (client port 0)', () => {
    const templates = listing.entries.filter((e) => e.template);
    expect(templates.map((e) => [e.client.address, e.destination.address, e.state])).toEqual([
      ['203.0.113.5', '10.0.1.11', 'NONE'],
      ['203.0.113.61', '10.0.1.13', 'NONE'],
      ['198.51.100.77', '10.0.1.13', 'NONE'],
      ['198.51.100.23', '10.0.1.12', 'NONE'],
    ]);
  });

  it('renders both fixtures back byte for byte', () => {
    expect(renderConnList(listing.entries)).toBe(text);
    const empty = readFixture('ipvsadm/conn-list-empty.txt');
    expect(parseConnList(empty).entries).toEqual([]);
    expect(renderConnList([])).toBe(empty);
  });

  it('formats expiry as mm:ss with unbounded minutes', () => {
    expect([formatExpiry(0), formatExpiry(59), formatExpiry(900), formatExpiry(10800), formatExpiry(60_000)]).toEqual([
      '00:00',
      '00:59',
      '15:00',
      '180:00',
      '1000:00',
    ]);
    expect([parseExpiry('180:00'), parseExpiry('00:07'), parseExpiry('1:00'), parseExpiry('00:60')]).toEqual([10800, 7, undefined, undefined]);
  });

  const handWritten = rows([
    'IPVS connection entries',
    HEADER,
    'TCP 180:00 NONE        [2001:db8::77]:0   [2001:db8::100]:443 [2001:db8::12]:443',
    'SCTP 00:05  ESTABLISHED 198.51.100.9:5000  10.0.0.200:3868    10.0.1.31:3868',
    'IP  15:48  NONE        192.168.0.6:0      0.0.0.10:0         10.0.0.17:0',
  ]);

  it('reads IPv6, SCTP and fwmark templates whose width shifts the columns', () => {
    const { entries } = parseConnList(handWritten);
    expect(entries[0]).toMatchObject({
      expires: 10800,
      template: true,
      client: { family: 'inet6', address: '2001:db8::77', port: 0 },
      destination: { family: 'inet6', address: '2001:db8::12', port: 443 },
    });
    expect(entries[1]).toMatchObject({ protocol: 'SCTP', state: 'ESTABLISHED', expires: 5, template: false });
    expect(entries[2]).toMatchObject({ protocol: 'IP', template: true, virtual: { address: '0.0.0.10', port: 0 } });
    expect(renderConnList(entries)).toBe(handWritten);
  });

  it('reads and renders the --persistent-conn variant (PE columns only on rows that have them)', () => {
    const text = rows([
      'IPVS connection entries',
      'pro expire state       source             virtual            destination        pe name          pe_data',
      'UDP 01:52  UDP         203.0.113.40:5060  10.0.0.200:5060    10.0.1.11:5060   sip                8a0f2c@example',
      'UDP 00:17  UDP         203.0.113.41:5060  10.0.0.200:5060    10.0.1.12:5060',
    ]);
    const listing = parseConnList(text);
    expect(listing.persistentConn).toBe(true);
    expect(listing.entries[0]).toMatchObject({ peName: 'sip', peData: '8a0f2c@example', expires: 112 });
    expect(listing.entries[1]?.peName).toBeUndefined();
    expect(renderConnList(listing.entries, { persistentConn: true })).toBe(text);
  });

  it.each([
    ['a wrong title', 'IPVS connections\n', 1],
    ['a bad expiry', rows(['IPVS connection entries', HEADER, 'TCP 1:2    NONE a:0 b:0 c:0']), 3],
    ['host names', rows(['IPVS connection entries', HEADER, 'TCP 00:12  ESTABLISHED client.example:58001 10.0.0.100:http 10.0.1.13:http']), 3],
  ])('throws IpvsParseError on %s', (_, input, line) => {
    expect(() => parseConnList(input)).toThrow(IpvsParseError);
    expect(() => parseConnList(input)).toThrow(expect.objectContaining({ line }));
  });
});

describe('/proc/net/ip_vs_conn', () => {
  const proc = readFixture('ipvsadm/proc-ip_vs_conn.txt');
  const table = parseProcConn(proc);

  it('holds the same rows as conn-list.txt', () => {
    expect(table.peColumns).toBe(true);
    expect(table.entries).toEqual(parseConnList(readFixture('ipvsadm/conn-list.txt')).entries);
    expect(table.entries[1]?.expires).toBe(734);
  });

  it('renders back byte for byte, and converts in both directions', () => {
    expect(renderProcConn(table.entries)).toBe(proc);
    expect(renderConnList(table.entries)).toBe(readFixture('ipvsadm/conn-list.txt'));
    expect(renderProcConn(parseConnList(readFixture('ipvsadm/conn-list.txt')).entries)).toBe(proc);
  });

  it('reads IPv6 (%pI6, uncompressed), SCTP, fwmark templates, PE data and old headers', () => {
    const text = rows([
      'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires',
      'TCP 2001:0db8:0000:0000:0000:0000:0000:0077 0000 2001:0db8:0000:0000:0000:0000:0000:0100 01BB 2001:0db8:0000:0000:0000:0000:0000:0012 01BB NONE          10800',
      'SCTP C6336409 1388 0A0000C8 0F1C 0A00011F 0F1C ESTABLISHED       5',
      'IP  C0A80006 0000 0000000A 0000 0A000011 0000 NONE            948',
      'UDP CB007128 13C4 0A0000C8 13C4 0A00010B 13C4 UDP             112 sip 8a0f2c@example',
    ]);
    const parsed = parseProcConn(text);
    expect(parsed.peColumns).toBe(false);
    expect(parsed.entries[0]).toMatchObject({ client: { family: 'inet6', address: '2001:db8::77', port: 0 }, expires: 10800 });
    expect(parsed.entries[1]).toMatchObject({
      protocol: 'SCTP',
      client: { address: '198.51.100.9', port: 5000 },
      destination: { address: '10.0.1.31', port: 3868 },
    });
    expect(parsed.entries[2]).toMatchObject({ protocol: 'IP', template: true, virtual: { address: '0.0.0.10' }, destination: { address: '10.0.0.17' } });
    expect(parsed.entries[3]).toMatchObject({ peName: 'sip', peData: '8a0f2c@example' });
    expect(renderProcConn(parsed.entries, { peColumns: false })).toBe(text);
    expect(renderConnList(parsed.entries.slice(0, 3))).toBe(
      rows([
        'IPVS connection entries',
        HEADER,
        'TCP 180:00 NONE        [2001:db8::77]:0   [2001:db8::100]:443 [2001:db8::12]:443',
        'SCTP 00:05  ESTABLISHED 198.51.100.9:5000  10.0.0.200:3868    10.0.1.31:3868',
        'IP  15:48  NONE        192.168.0.6:0      0.0.0.10:0         10.0.0.17:0',
      ]),
    );
  });

  it('throws IpvsParseError on a foreign header or a bad row', () => {
    expect(() => parseProcConn('Proto From To\n')).toThrow(IpvsParseError);
    expect(() => parseProcConn(`${PROC_HEADER}\nTCP C633 0050 0A000064 0050 0A00010D 0050 ESTABLISHED 12\n`)).toThrow(expect.objectContaining({ line: 2 }));
  });
});
