// config_stream_read: how -R cuts stdin into argument lists.
import { describe, expect, it } from 'vitest';
import { configStreamLines } from '../../../src/lab/ipvsadm/restore.ts';

describe('configStreamLines', () => {
  it('splits lines into words on blanks, dropping every "ipvsadm" word', () => {
    expect(configStreamLines('ipvsadm -A  -t\t10.0.0.1:80\r\n-C\n')).toEqual([['-A', '-t', '10.0.0.1:80'], ['-C']]);
  });

  it('returns blank lines as empty lists and keeps a last line without newline', () => {
    expect(configStreamLines('\n  \n-C')).toEqual([[], [], ['-C']]);
  });

  it('loses a last line that ends in blanks without a newline, as config_stream.c does', () => {
    expect(configStreamLines('-Z\n-C  ')).toEqual([['-Z']]);
    expect(configStreamLines('')).toEqual([]);
  });

  it('keeps "#" as an ordinary word (the comment code never triggers)', () => {
    expect(configStreamLines('# note\n')).toEqual([['#', 'note']]);
  });
});
