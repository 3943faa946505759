// Every file in shared/fixtures/ipvsadm is read by a parser here and, where it is command
// output, rendered back byte for byte. A new fixture fails this test until it is handled.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConnList, parseProcConn, renderConnList, renderProcConn } from '../../src/ipvs/conn.ts';
import { parseIpvsList } from '../../src/ipvs/list-parse.ts';
import { renderIpvsList } from '../../src/ipvs/list-render.ts';
import { parseTimeouts, parseVersion, renderTimeouts, renderVersion } from '../../src/ipvs/misc.ts';
import { IpvsParseError } from '../../src/ipvs/parse-error.ts';
import { parseSave, renderSave } from '../../src/ipvs/save.ts';
import { fixturePath, readFixture } from '../helpers/fixtures.ts';
import { parseErrorCatalogue } from '../helpers/ipvsadm-errors.ts';

function roundTripList(text: string): string {
  const l = parseIpvsList(text);
  const table = { connTableSize: l.connTableSize ?? 4096, services: l.services };
  return renderIpvsList(table, { mode: l.mode, service: l.version === undefined ? l.services[0]?.key : undefined });
}

const HANDLERS: Record<string, (text: string) => void> = {
  'errors.txt': (text) => expect(parseErrorCatalogue(text).length).toBeGreaterThan(0),
  'list-names.txt': (text) => expect(() => parseIpvsList(text)).toThrow(IpvsParseError),
  'conn-list.txt': (text) => expect(renderConnList(parseConnList(text).entries)).toBe(text),
  'conn-list-empty.txt': (text) => expect(renderConnList(parseConnList(text).entries)).toBe(text),
  'proc-ip_vs_conn.txt': (text) => expect(renderProcConn(parseProcConn(text).entries)).toBe(text),
  'save.txt': (text) => expect(renderSave(parseSave(text))).toBe(text),
  'timeout.txt': (text) => expect(renderTimeouts(parseTimeouts(text))).toBe(text),
  'version.txt': (text) => expect(renderVersion(parseVersion(text))).toBe(text),
};

describe('every ipvsadm fixture', () => {
  const names = readdirSync(fixturePath('ipvsadm'));

  it('is found', () => {
    expect(names.length).toBeGreaterThanOrEqual(17);
  });

  it.each(names)('%s is parsed (and rendered back when it is output)', (name) => {
    const text = readFixture(`ipvsadm/${name}`);
    const handle = HANDLERS[name] ?? (name.startsWith('list-') ? (t: string) => expect(roundTripList(t)).toBe(t) : undefined);
    expect(handle, `no test handles ${name}`).toBeDefined();
    handle?.(text);
  });
});
