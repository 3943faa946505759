// The transcribed ipvsadm tables stay consistent with each other.
import { describe, expect, it } from 'vitest';
import { COMMAND_OPTIONS, COMMANDS, OPTIONS, POPT_TABLE, TAGS, TUNNEL_OPTIONS } from '../../../src/lab/ipvsadm/option-table.ts';

describe('option tables', () => {
  it('has one rule per option for every command, in the rule alphabet', () => {
    expect(Object.keys(COMMAND_OPTIONS)).toEqual([...COMMANDS]);
    for (const rules of Object.values(COMMAND_OPTIONS)) expect(rules).toMatch(new RegExp(`^[x+1 ]{${OPTIONS.length}}$`));
    for (const rules of Object.values(TUNNEL_OPTIONS)) expect(rules).toMatch(/^[x+1 ]{4}$/);
  });

  it('gives every popt entry a known tag and unique short names', () => {
    for (const o of POPT_TABLE) expect(TAGS).toContain(o.tag);
    const shorts = POPT_TABLE.flatMap((o) => (o.short ? [o.short] : []));
    expect(new Set(shorts).size).toBe(shorts.length);
  });
});
