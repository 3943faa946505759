import { describe, expect, it } from 'vitest';
import { lexKeepalived, splitWords } from '../../src/keepalived/lexer.ts';

const words = (text: string) => lexKeepalived(text).lines.map((l) => [l.line, ...l.words].join(' '));

describe('lexKeepalived', () => {
  it('drops comments starting with ! or # outside quotes, and blank lines', () => {
    expect(words('! header\n# more\n\nrouter_id a # trailing\nnotify "/bin/x #1" ! c\n')).toEqual(['4 router_id a', '5 notify /bin/x #1']);
  });

  it('puts every brace on a logical line of its own, keeping the physical line number', () => {
    expect(words('real_server 10.0.0.1 80 { weight 2 }\nTCP_CHECK{\n}\n')).toEqual([
      '1 real_server 10.0.0.1 80',
      '1 {',
      '1 weight 2',
      '1 }',
      '2 TCP_CHECK',
      '2 {',
      '3 }',
    ]);
  });

  it('keeps quoted words whole and reports an unmatched quote', () => {
    expect(splitWords('notify_up "/usr/bin/a b" x')).toEqual({ words: ['notify_up', '/usr/bin/a b', 'x'], unmatchedQuote: false });
    const lexed = lexKeepalived('notify "/bin/x\n');
    expect(lexed.diagnostics).toEqual([{ severity: 'error', line: 1, message: `Unmatched quote: 'notify "/bin/x'` }]);
  });

  it('reports an extra } at its line and missing ones at the last line, as keepalived counts them', () => {
    expect(lexKeepalived('a {\n}\n}\n').diagnostics).toEqual([{ severity: 'error', line: 3, message: "Extra '}' found" }]);
    expect(lexKeepalived('a {\n b {\n}\n\n').diagnostics).toEqual([{ severity: 'error', line: 4, message: "There are 1 missing '}'s or extra '{'s" }]);
  });

  it('does not follow include, and says so', () => {
    const lexed = lexKeepalived('include /etc/keepalived/conf.d/*.conf\nglobal_defs {\n}\n');
    expect(lexed.lines.map((l) => l.words[0])).toEqual(['global_defs', '{', '}']);
    expect(lexed.diagnostics).toEqual([
      { severity: 'warning', line: 1, message: "include '/etc/keepalived/conf.d/*.conf' is not followed: lvs-release reads this file only" },
    ]);
  });

  it('expands $NAME definitions and applies @id prefixes like keepalived without -i', () => {
    const text = '$VIP=10.0.0.100\nvirtual_server $VIP 80\n@lvs1 priority 150\n@^lvs1 priority 100\n';
    expect(words(text)).toEqual(['2 virtual_server 10.0.0.100 80', '4 priority 100']);
    expect(lexKeepalived(text, { configId: 'lvs1' }).lines.map((l) => l.words.join(' '))).toEqual(['virtual_server 10.0.0.100 80', 'priority 150']);
  });

  it('measures indentation with tab stops of 8', () => {
    expect(lexKeepalived('\t  weight 1\n').lines[0]?.indent).toBe(10);
  });
});
